{#- Who the target logs in as on the origin: `origin_pull_user` if set; else root, unless the
    origin is reached through sudo (no root logins there), then the same sudo user, whose rsync
    runs under sudo. -#}
bmfleet_pull_user={% if origin_pull_user %}{{ origin_pull_user }}{% elif origin.become %}{{ origin.user }}{% else %}root{% endif %}

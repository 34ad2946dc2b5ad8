{#- How the target reaches its origin: the dedicated migration key made by the trust phase, and
    the origin host key the controller itself verified (never trust-on-first-use). Every ssh
    of a phase shares one connection (ControlMaster), opened by origin-master.sh. -#}
bmfleet_origin_host={% if origin_address %}{{ origin_address }}{% else %}{{ origin.host }}{% endif %}
bmfleet_origin_port={% if origin_ssh_port %}{{ origin_ssh_port }}{% else %}{{ origin.port }}{% endif %}
bmfleet_origin="{{ origin_pull_user }}@$bmfleet_origin_host"
bmfleet_origin_ssh="ssh -i {{ trust_key_file }} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile={{ trust_known_hosts }} -o HostKeyAlias=bmfleet-origin -o ConnectTimeout=15 -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o ControlMaster=auto -o ControlPath={{ trust_control_path }} -o ControlPersist=300 -p $bmfleet_origin_port"

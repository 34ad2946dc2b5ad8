{#- The hot sync's rsync of one spool: the whole spool, while the origin serves. -#}
{% include "templates/lib/rsync-pull.sh" %}
bmf_pull_full

{#- The target's own change lists (templates/lib/changes-scan.sh), before anything is sent. -#}
{% include "templates/lib/one-of.sh" %}
bmf_one_of final_rsync {{ final_rsync }} full changes
changes_role=target changes_ext=target0
{% include "templates/lib/changes-scan.sh" %}

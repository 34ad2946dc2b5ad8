{#- The target's own change lists (templates/lib/changes-scan.sh), before anything is sent. -#}
changes_role=target changes_ext=target0
{% include "templates/lib/changes-scan.sh" %}

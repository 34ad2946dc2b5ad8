{#- The origin's change lists (templates/lib/changes-scan.sh), the target pulls them. -#}
changes_role=origin changes_ext=list0
{% include "templates/lib/changes-scan.sh" %}

{#- The origin's change lists (templates/lib/changes-scan.sh), the target pulls them. -#}
{% include "templates/lib/one-of.sh" %}
bmf_one_of final_rsync {{ final_rsync }} full changes
changes_role=origin changes_ext=list0
{% include "templates/lib/changes-scan.sh" %}

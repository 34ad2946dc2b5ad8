{#- The origin's change lists (templates/lib/changes-scan.sh), the target pulls them. -#}
{% include "templates/lib/one-of.sh" %}
bmf_one_of final_rsync {{ final_rsync }} full changes
{#- changes_first (set by the freeze's step): the scan first on the CPU (role.yml). Only the
    superuser may; else it runs as it always did. #}
[ -z "${changes_first-}" ] || renice -n -10 -p "$$" >/dev/null 2>&1 || true
changes_role=origin changes_ext=list0
{% include "templates/lib/changes-scan.sh" %}

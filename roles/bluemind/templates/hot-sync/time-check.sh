{#- How long the freeze's check takes on this origin, for `status`'s prediction of the downtime
    (issue 25: once the databases and the spools' changes are out of the freeze, the downtime is
    its fixed costs and this count, which grows with the tenant: every table's rows and every
    spool's entries, templates/lib/counts.sh). The same count the freeze makes, timed here while
    the origin serves (one read of every table and every spool's entries per hot sync). A count
    that fails is a warning (exit 3), never a failure of the hot sync: `status` then predicts
    without it. The last line is the milliseconds, recorded (`record_value`). -#}
{% include "templates/lib/counts.sh" %}
start=$(date +%s%N)
bm_counts >/dev/null || { echo "cannot count this origin's rows and spools now; status predicts the downtime without it" >&2; exit 3; }
ms=$((($(date +%s%N) - start) / 1000000))
echo "the freeze's count of this origin, timed while it serves: $ms ms"
echo "$ms"

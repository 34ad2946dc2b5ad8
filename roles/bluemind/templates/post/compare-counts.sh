{#- The target must hold as many rows per table and entries per spool as the stopped origin had. -#}
{% include "templates/lib/counts.sh" %}
saved={{ work_dir }}/origin-counts.txt
[ -f "$saved" ] || { echo "no origin counts saved: run cold-sync first" >&2; exit 1; }
now=$(mktemp)
bm_counts >"$now"
if diff -u -- "$saved" "$now"; then
  echo "$(wc -l <"$saved") counts equal to the origin's"
else
  echo "the target differs from the origin (- origin, + target)" >&2
  exit 1
fi

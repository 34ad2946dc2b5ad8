{#- The target now runs: its core writes rows (jobs) and new mail arrives, so counts may grow.
    The gate was the cold sync's verification on stopped hosts (cold-sync/verify.sh); here a
    count that went DOWN since then is reported as a warning (exit 3), growth is not. -#}
{% include "templates/lib/counts.sh" %}
saved={{ work_dir }}/origin-counts.txt
[ -f "$saved" ] || { echo "no origin counts saved: run cold-sync first" >&2; exit 1; }
now=$(mktemp)
trap 'rm -f -- "$now"' EXIT
bm_counts >"$now"
# Rows per table and messages per mailbox (spools change as Elasticsearch runs): each line's
# key is everything but its last number; compare the numbers key by key.
lost=$(awk '
  $1 != "rows" && $1 != "mailbox" { next }
  { key = $0; sub(/ [0-9]+$/, "", key); n = $NF }
  FNR == NR { origin[key] = n; next }
  { target[key] = n }
  END { for (k in origin) if (!(k in target) || target[k] + 0 < origin[k] + 0) printf "%s: origin %s, target %s\n", k, origin[k], (k in target ? target[k] : "none") }
' "$saved" "$now" | LC_ALL=C sort)
if [ -n "$lost" ]; then
  echo "the running target holds less than the stopped origin did:" >&2
  printf '%s\n' "$lost" | head -n 40 >&2
  exit 3
fi
echo "$(wc -l <"$saved") counts of the origin: none lower on the target"

{#- Verify before the point of no return. Both hosts are stopped (BlueMind and postfix; the
    PostgreSQLs run, with no core writing: DOMAIN.md "Databases"): every table's rows, every
    spool's entries, files and bytes, every mailbox's messages must be the origin's (both
    counted by templates/lib/counts.sh: the target's by count-target.sh), or the pair fails
    here, before cutover, naming what differs. The target's record then says which run
    verified it; cutover and post refuse an unverified target. -#}
{% include "templates/lib/host-state.sh" %}
saved={{ work_dir }}/origin-counts.txt
[ -s "$saved" ] || { echo "no counts of the stopped origin on the target: run the whole cold-sync phase" >&2; exit 1; }
{#- The target's counts, taken by this run's `count target databases` and `count target spools`
    steps (count-target.sh) beside the origin's, and used once. #}
work_dir={{ work_dir }}
now=$(mktemp)
trap 'rm -f -- "$now" "$now.diff"' EXIT
for part in rows spools; do
  [ "$(head -n 1 -- "$work_dir/target-counts-$part.txt" 2>/dev/null)" = "run $bmf_state_run" ] ||
    { echo "no counts of the stopped target's $part from this run: run the whole cold-sync phase" >&2; exit 1; }
done
for part in rows spools; do
  tail -n +2 -- "$work_dir/target-counts-$part.txt"
  rm -f -- "$work_dir/target-counts-$part.txt"
done | LC_ALL=C sort >"$now"
if ! diff -- "$saved" "$now" >"$now.diff"; then
  echo "the target is not the stopped origin's copy: the pair stops before cutover (< origin, > target)" >&2
  grep '^[<>]' "$now.diff" | head -n 40 >&2
  echo "$(grep -c '^[<>]' "$now.diff") line(s) differ; fix the cause, then run \`bmfleet cold-sync\` again" >&2
  exit 1
fi
bmf_state_guard target sync
bmf_state_set verified="$bmf_state_run"
echo "$(wc -l <"$saved") counts equal to the stopped origin's (rows per table, files and bytes per spool, messages per mailbox): verified"

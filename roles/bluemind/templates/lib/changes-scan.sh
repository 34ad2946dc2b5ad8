{#- One host's change lists for the final rsync (templates/lib/changes.sh), both hosts stopped:
    each spool's entries changed since this host's mark of the last complete hot sync, into
    work_dir/changes/NONCE/. The last line says `mark NONCE@FROM: ...` (FROM: the listed changes' earliest ctime) or
    `none: why`; with none,
    the final rsync walks every spool, as it always did. Never a failure: a list is an
    optimisation, the walk is always correct. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/changes.sh" %}
bmf_state_check "$changes_role" sync # never a live target, a retired origin, another pair's host
{#- The walk needs no list: no scan of every entry in the downtime (8.4 s on the bench's origin). #}
final_rsync={{ final_rsync }}
case "$final_rsync" in
  changes) ;;
  full) echo "none: final_rsync is $final_rsync"; exit 0 ;;
  *) bmf_one_of final_rsync "$final_rsync" full changes ;;
esac
mark=$(bmf_changes_mark "${BMF_R[sync_mark]-}") ||
  { echo "none: this $changes_role holds no mark of a complete hot sync"; exit 0; }
read -r nonce since boot offset <<<"$mark"
why=$(bmf_changes_clock "$boot" "$offset") || { echo "none: this $changes_role's clock cannot be trusted: $why"; exit 0; }
umask 077
{#- Lists of earlier runs go: they were made against other marks or other data. #}
rm -rf -- "$bmf_changes_dir"
mkdir -p -- "$bmf_changes_dir/$nonce" || { echo "none: cannot create $bmf_changes_dir"; exit 0; }
pids=()
for spool in {{ spools | shell_words }}; do
  bmf_changes_scan "$spool" "$since" "$bmf_changes_dir/$nonce/$(bmf_changes_name "$spool").$changes_ext" &
  pids+=("$!")
done
for pid in "${pids[@]}"; do
  wait "$pid" || { rm -rf -- "$bmf_changes_dir"; echo "none: a spool could not be scanned for changes"; exit 0; }
done
count=$(find "$bmf_changes_dir/$nonce" -type f -exec cat -- {} + | tr -cd '\0' | wc -c)
from=$((since - bmf_changes_slack))
echo "mark $nonce@$from: $count entries changed in the spools since $(date -u -d "@$from" +%Y-%m-%dT%H:%M:%SZ)"

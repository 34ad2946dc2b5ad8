{#- One host's change lists for the final rsync (templates/lib/changes.sh), both hosts stopped:
    each spool's entries changed since this host's mark of the last complete hot sync, into
    work_dir/changes/NONCE/. The last line says `mark NONCE@FROM: ...` (FROM: the listed changes' earliest ctime) or
    `none: why`; with none,
    the final rsync walks every spool, as it always did. Never a failure: a list is an
    optimisation, the walk is always correct. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/changes.sh" %}
{% include "templates/lib/tally.sh" %}
{% include "templates/lib/changes-folders.sh" %}
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
{#- The stopped origin's spools from the warm pass's tally where it can (lib/changes-folders.sh:
    what changed, not every entry's ctime), else whole. #}
pids=() present=0 tallied=$(mktemp) || { echo "none: cannot create a temporary file"; exit 0; }
for spool in {{ spools | shell_words }}; do
  [ ! -d "$spool" ] || present=$((present + 1))
  out=$bmf_changes_dir/$nonce/$(bmf_changes_name "$spool").$changes_ext
  if [ "$changes_role" = origin ] && [ -d "$spool" ]; then
    {
      if bmf_changes_folders "$spool" "$since" "$nonce" "$out"; then
        echo >>"$tallied"
      else
        bmf_changes_scan "$spool" "$since" "$out"
      fi
    } &
  else
    bmf_changes_scan "$spool" "$since" "$out" &
  fi
  pids+=("$!")
done
for pid in "${pids[@]}"; do
  wait "$pid" || { rm -rf -- "$bmf_changes_dir" "$tallied"; echo "none: a spool could not be scanned for changes"; exit 0; }
done
count=$(find "$bmf_changes_dir/$nonce" -type f -exec cat -- {} + | tr -cd '\0' | wc -c)
from=$((since - bmf_changes_slack)) tallied_n=$(wc -l <"$tallied")
rm -f -- "$tallied"
echo "mark $nonce@$from: $count entries changed in the spools since $(date -u -d "@$from" +%Y-%m-%dT%H:%M:%SZ)" \
  "($tallied_n of $present spools from the warm pass's tally, the others read whole)"

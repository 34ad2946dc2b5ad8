{#- BlueMind and postfix must not run on a half-copied target. Before anything stops, the
    target's host record must say it is this pair's target and not live (lib/host-state.sh),
    and before the first sync of the pair it must look like a fresh install next to its origin:
    a target holding more mail than its origin is a production server written as the target
    (origin and target swapped), and the rsync --delete that follows would wipe it. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/hot-sync/census.sh" %}
{% include "templates/lib/services.sh" %}
bmf_first_sync_sanity() {
  local origin=$1 target of ok tf tk tr pct floor_files floor_kb reasons=()
  pct={{ first_sync_max_pct }}
  floor_files={{ first_sync_floor_files }}
  floor_kb={{ first_sync_floor_kb }}
  bmf_number first_sync_max_pct "$pct"
  bmf_number first_sync_floor_files "$floor_files"
  bmf_number first_sync_floor_kb "$floor_kb"
  [[ $origin =~ ^files=([0-9]+)\ kb=([0-9]+)\ recent=[0-9]+$ ]] \
    || { echo "no census of the origin to compare with ($(printf '%q' "$origin" | cut -c1-80)): run the whole hot-sync phase" >&2; exit 1; }
  of=${BASH_REMATCH[1]} ok=${BASH_REMATCH[2]}
  target=$(bmf_census)
  [[ $target =~ ^files=([0-9]+)\ kb=([0-9]+)\ recent=([0-9]+)$ ]] || { echo "cannot count the target's spools" >&2; exit 1; }
  tf=${BASH_REMATCH[1]} tk=${BASH_REMATCH[2]} tr=${BASH_REMATCH[3]}
  [ "$tr" -eq 0 ] || reasons+=("$tr message file(s) delivered in the last day")
  if [ "$tf" -gt "$floor_files" ] && [ $((tf * 100)) -ge $((of * pct)) ]; then
    reasons+=("$tf files in its spools, the origin $of")
  fi
  if [ "$tk" -gt "$floor_kb" ] && [ $((tk * 100)) -ge $((ok * pct)) ]; then
    reasons+=("$tk KiB in its spools, the origin $ok")
  fi
  if [ -n "${reasons[*]-}" ]; then
    bmf_refuse "the target holds more mail than the origin: origin and target swapped? Before the first sync of pair $bmf_state_pair the target must be a fresh install; it has $(IFS=';'; echo "${reasons[*]}"). Nothing was stopped. If this target really is the new server, empty its spools (or set host_state_override for this pair)"
  fi
  echo "first sync of pair $bmf_state_pair: the target looks fresh ($tf files, $tk KiB; the origin $of files, $ok KiB)"
}
bmf_state_guard target sync {{ target_hostkey_pub }} {{ origin_hostkey_pub }}
if [ "${BMF_R[first_sync]-}" = no ]; then
  bmf_first_sync_sanity {{ origin_census }}
  bmf_state_set first_sync=started verified=no
else
  # Whatever the cold sync verified before, the target's data changes now.
  bmf_state_set verified=no
fi
bmctl stop
bm_postfix stop
echo "BlueMind and postfix stopped on the target"

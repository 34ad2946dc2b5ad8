{#- The host state record: what bmfleet knows about THIS host, kept on the host itself, so that
    no controller, journal or inventory can make a destructive step act on the wrong machine.

    One record per pair the host belongs to, /var/lib/bmfleet/state/pair.<name> (root-only
    directory, see private-dir.sh), plain `key=value` lines. It is never sourced nor evaluated:
    bmf_state_parse reads it line by line and checks every value against an allow-list, on
    write and on read; a record that does not parse is refused, never ignored. Writes go to a
    temporary file in the same directory, renamed over the record, under an flock held while
    the guard decides: two pairs racing for one host cannot both claim it.

      format=1                 pair=p01                  role=origin|target
      stage=syncing|frozen|live|retired       (frozen: origin stopped for the downtime;
                                               live: target serving; retired: origin after cutover)
      self_hostkey, peer_hostkey = SHA256 fingerprints of this host's and the other host's key,
                                   as the controller verified them on its own connections
      self_machine_id, peer_machine_id = /etc/machine-id of both (32 hex digits, or unknown)
      recorded, recorded_run   when/which run first recorded the pair (preflight)
      since, run               when/which run set the current stage
      first_sync=no|started|done   (target) the first hot sync of this pair
      verified=no|<run id>         (target) the cold sync's counts matched the stopped origin
      sync_mark=NONCE@SECS@BOOT@OFFSET  optional: the last complete hot sync, for the final
                                   rsync's change lists (templates/lib/changes.sh): on the origin
                                   SECS is when that hot sync began, on the target when it ended,
                                   each by its own host's clock; the same NONCE on both, else no
                                   list. BOOT and OFFSET witness that clock (lib/clock.sh): the
                                   boot id, and the wall clock minus the time since boot in
                                   hundredths of a second. A mark without them (NONCE@SECS, made
                                   by an earlier bmfleet) still parses, and gives no list
      sync_mark_next=...           optional (origin): a hot sync under way, promoted to
                                   sync_mark when its rsyncs all succeeded
      db_sync=physical|logical|dump  optional (target): how the databases travel, as the last
                                   preflight chose (role.yml `db_sync`)
      pg_aside=DIR                 optional (target): the target's own PostgreSQL data directory,
                                   moved aside while DIR without its suffix is bmfleet's copy of
                                   the origin's cluster (templates/physical/standby.sh)
      pg_hba=ADDRESS               optional (origin): the replication line bmfleet added to
                                   pg_hba for the target's ADDRESS (templates/physical/)
      pg_keep_before=unset|VALUE   optional (origin): max_slot_wal_keep_size in
                                   postgresql.auto.conf before bmfleet set it (put back after)
      pg_pub=yes                   optional (origin): the logical method's publications and
                                   replica identities (templates/logical/open-origin.sh)
      pg_wal_before=unset|VALUE    optional (origin): wal_level in postgresql.auto.conf before
                                   the logical method set it to logical (put back after)
      pg_sub=yes                   optional (target): the logical method's subscriptions and
                                   <db>__bmfleet_new databases (templates/logical/subscribe.sh)

    The rules (bmf_state_guard ROLE ACTION): a host acting as TARGET must carry no record of
    any other pair (origin of anything, target of another pair, live target of an earlier
    migration: all refused) and its own pair's record must say target and not live. A host
    acting as ORIGIN may carry only records where it is the live target of an earlier pair (a
    server migrated again, years later); a retired origin is never a sync source again. The
    record of its own pair must name it in the same part, with the same identities.
    `host_state_override: true` lets a deliberate re-sync through, with a loud warning. -#}
{% include "templates/lib/private-dir.sh" %}
bmf_state_dir=/var/lib/bmfleet/state
bmf_state_pair={{ pair.name }}
bmf_state_run={{ run_id }}
bmf_state_override={% if host_state_override %}yes{% else %}no{% endif %}
declare -gA BMF_R=()

bmf_state_valid() {
  # bmf_state_valid KEY VALUE: is VALUE allowed for KEY? Unknown keys are not.
  local k=$1 v=$2 run='[A-Za-z0-9][A-Za-z0-9._:-]{0,79}'
  case "$k" in
    format) [ "$v" = 1 ] ;;
    pair) [[ $v =~ ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ ]] ;;
    role) [[ $v =~ ^(origin|target)$ ]] ;;
    stage) [[ $v =~ ^(syncing|frozen|live|retired)$ ]] ;;
    self_hostkey | peer_hostkey) [[ $v =~ ^SHA256:[A-Za-z0-9+/]{43}$ ]] ;;
    self_machine_id | peer_machine_id) [[ $v =~ ^([0-9a-f]{32}|unknown)$ ]] ;;
    recorded | since) [[ $v =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]] ;;
    recorded_run | run | verified) [[ $v =~ ^$run$ ]] ;;
    first_sync) [[ $v =~ ^(no|started|done)$ ]] ;;
    sync_mark | sync_mark_next) [[ $v =~ ^[0-9a-f]{32}@[0-9]{1,12}(@[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}@[0-9]{1,14})?$ ]] ;;
    db_sync) [[ $v =~ ^(physical|logical|dump)$ ]] ;;
    pg_pub | pg_sub) [ "$v" = yes ] ;;
    pg_wal_before) [[ $v =~ ^(unset|minimal|replica|logical)$ ]] ;;
    pg_aside) [[ $v =~ ^/[A-Za-z0-9_/.-]+\.bmfleet_before_[A-Za-z0-9._-]+$ && $v != *..* ]] ;;
    pg_hba) [[ $v =~ ^[0-9A-Fa-f.:]{2,45}$ ]] ;;
    pg_keep_before) [[ $v =~ ^(unset|-1|[0-9]{1,12}(kB|MB|GB|TB)?)$ ]] ;;
    *) return 1 ;;
  esac
}
bmf_state_keys='format pair role stage self_hostkey self_machine_id peer_hostkey peer_machine_id recorded recorded_run since run first_sync verified'
# Optional keys: a record written before they existed still parses; `none` removes one.
bmf_state_optional='sync_mark sync_mark_next db_sync pg_aside pg_hba pg_keep_before pg_pub pg_wal_before pg_sub'

bmf_state_parse() {
  # bmf_state_parse FILE: the record into BMF_R, or a message naming file and line, and 1.
  local file=$1 line key value n=0
  BMF_R=()
  if [ -L "$file" ] || [ ! -f "$file" ]; then
    echo "bmfleet: host state record $file is not a plain file: refusing" >&2
    return 1
  fi
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    key=${line%%=*}
    value=${line#*=}
    if [ "$key" = "$line" ] || ! bmf_state_valid "$key" "$value"; then
      echo "bmfleet: host state record $file, line $n, does not parse ($(printf '%q' "$line" | cut -c1-80)): refusing to act on this host; check it by hand (it is bmfleet's own, never edited by BlueMind)" >&2
      return 1
    fi
    if [ -n "${BMF_R[$key]+set}" ]; then
      echo "bmfleet: host state record $file, line $n: $key appears twice: refusing" >&2
      return 1
    fi
    BMF_R[$key]=$value
  done <"$file"
  for key in $bmf_state_keys; do
    [ -n "${BMF_R[$key]+set}" ] || { echo "bmfleet: host state record $file has no $key: refusing" >&2; return 1; }
  done
  if [ "pair.${BMF_R[pair]}" != "${file##*/}" ]; then
    echo "bmfleet: host state record $file names pair ${BMF_R[pair]}: refusing" >&2
    return 1
  fi
}

bmf_state_write() {
  # Write BMF_R as the record of its pair, atomically (temporary file + rename). Caller holds the lock.
  local key tmp file=$bmf_state_dir/pair.${BMF_R[pair]}
  local keys=$bmf_state_keys
  for key in $bmf_state_optional; do
    [ "${BMF_R[$key]-none}" = none ] || keys="$keys $key"
  done
  for key in $keys; do
    bmf_state_valid "$key" "${BMF_R[$key]-}" || { echo "bmfleet: refusing to record $key=$(printf '%q' "${BMF_R[$key]-}")" >&2; return 1; }
  done
  tmp=$(mktemp "$bmf_state_dir/.pair.XXXXXX") || return 1
  for key in $keys; do printf '%s=%s\n' "$key" "${BMF_R[$key]}"; done >"$tmp"
  sync -- "$tmp" 2>/dev/null || true
  mv -f -- "$tmp" "$file"
}

bmf_state_lock() {
  # Hold the host's state lock until the script ends (flock on a file of the private directory).
  bmf_private_dir "$bmf_state_dir" || return 1
  exec {bmf_state_fd}>>"$bmf_state_dir/.lock" || return 1
  flock -w 60 "$bmf_state_fd" || { echo "bmfleet: the host state record is locked by another step for 60 s" >&2; return 1; }
}

bmf_fingerprint() {
  # bmf_fingerprint "TYPE BASE64": the key's SHA256 fingerprint, as ssh-keygen prints it.
  local line=$1
  [[ $line =~ ^[a-z0-9@.-]+\ [A-Za-z0-9+/]+=*$ ]] || { echo "bmfleet: not a public key line: $(printf '%q' "$line" | cut -c1-60)" >&2; return 1; }
  printf '%s\n' "$line" | ssh-keygen -lf - 2>/dev/null | awk '{print $2; exit}'
}

bmf_machine_id() {
  local id
  id=$(tr -d '[:space:]' </etc/machine-id 2>/dev/null)
  [[ $id =~ ^[0-9a-f]{32}$ ]] && echo "$id" || echo unknown
}

bmf_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

bmf_refuse() {
  # A guard said no: stop here, unless the inventory set host_state_override for this pair.
  # A warning on stderr, never a BMFLEET-MANUAL line: those are instructions for the operator
  # and come only from steps that exist to give them (issue #27); the summary and the report
  # already name the pairs whose host-state checks --unsafe-override-host-state lifted.
  if [ "$bmf_state_override" = yes ]; then
    echo "bmfleet: WARNING: host_state_override is set for pair $bmf_state_pair: going on although $*" >&2
    return 0
  fi
  echo "bmfleet: refusing: $*" >&2
  exit 1
}

bmf_describe() {
  # One line about the record in BMF_R, for messages.
  local r=${BMF_R[role]} s=${BMF_R[stage]}
  case "$r/$s" in
    target/live) echo "the live target of pair ${BMF_R[pair]} since ${BMF_R[since]} (cut over by run ${BMF_R[run]})" ;;
    origin/retired) echo "the retired origin of pair ${BMF_R[pair]} since ${BMF_R[since]} (cut over by run ${BMF_R[run]})" ;;
    *) echo "the $r of pair ${BMF_R[pair]} ($s since ${BMF_R[since]}, run ${BMF_R[run]})" ;;
  esac
}

bmf_state_others() {
  # The records of other pairs on this host: may it act as ROLE for our pair?
  local role=$1 file
  for file in "$bmf_state_dir"/pair.*; do
    [ -e "$file" ] || [ -L "$file" ] || continue
    [ "${file##*/}" = "pair.$bmf_state_pair" ] && continue
    bmf_state_parse "$file" || exit 1
    if [ "$role" = origin ] && [ "${BMF_R[role]}/${BMF_R[stage]}" = target/live ]; then
      continue # a server migrated before, now migrated again: its earlier record stays
    fi
    case "$role/${BMF_R[role]}/${BMF_R[stage]}" in
      target/target/live)
        bmf_refuse "this host is $(bmf_describe): bmfleet never syncs into it again; to migrate it again, make it the ORIGIN of a new pair" ;;
      */origin/retired)
        bmf_refuse "this host is $(bmf_describe): a retired origin is never a sync source nor a target again" ;;
      target/origin/*)
        bmf_refuse "this host is $(bmf_describe): an origin is never written as a target; origin and target swapped, or the same host in two pairs? fix the inventory" ;;
      *)
        bmf_refuse "this host is already $(bmf_describe): one host belongs to one pair being migrated; fix the inventory (pair $bmf_state_pair names it as $role too)" ;;
    esac
  done
}

bmf_state_own() {
  # The record of our own pair into BMF_R; 1 when there is none.
  local file=$bmf_state_dir/pair.$bmf_state_pair
  BMF_R=()
  [ -e "$file" ] || [ -L "$file" ] || return 1
  bmf_state_parse "$file" || exit 1
}

bmf_state_identity() {
  # The identities recorded at preflight must still be the ones seen now (this host's
  # machine-id; the host keys the controller verified, when the step passes them).
  local self_line=$1 peer_line=$2 now
  now=$(bmf_machine_id)
  [ "$now" = "${BMF_R[self_machine_id]}" ] \
    || bmf_refuse "this host's machine-id is $now, preflight recorded ${BMF_R[self_machine_id]} for pair $bmf_state_pair: is it still the same machine? run \`bmfleet preflight\` again"
  if [ -n "$self_line" ]; then
    now=$(bmf_fingerprint "$self_line") || exit 1
    [ "$now" = "${BMF_R[self_hostkey]}" ] \
      || bmf_refuse "this host's key is $now, preflight recorded ${BMF_R[self_hostkey]} for pair $bmf_state_pair: run \`bmfleet preflight\` again"
  fi
  if [ -n "$peer_line" ]; then
    now=$(bmf_fingerprint "$peer_line") || exit 1
    [ "$now" = "${BMF_R[peer_hostkey]}" ] \
      || bmf_refuse "the other host of pair $bmf_state_pair has the key $now, preflight recorded ${BMF_R[peer_hostkey]}: another machine answers for it; run \`bmfleet preflight\` again if that is intended"
  fi
}

bmf_state_guard() {
  # bmf_state_guard ROLE ACTION [SELF_KEY_LINE PEER_KEY_LINE]: may this step act on this host?
  # ACTION: sync (trust, hot and cold sync: writes into the target, stops services),
  # cutover (stop the origin for good, move the address), start (the target serves).
  # Takes the lock and leaves the record of our pair in BMF_R for bmf_state_set.
  local role=$1 action=$2
  bmf_state_lock || exit 1
  bmf_state_others "$role"
  if ! bmf_state_own; then
    bmf_refuse "this host carries no bmfleet record of pair $bmf_state_pair: run \`bmfleet preflight\` first (it records which host is the origin and which the target)"
    return 0
  fi
  [ "${BMF_R[role]}" = "$role" ] \
    || bmf_refuse "this host is $(bmf_describe), and pair $bmf_state_pair now names it as its $role: origin and target swapped? fix the inventory"
  bmf_state_identity "${3-}" "${4-}"
  case "$role/${BMF_R[stage]}/$action" in
    target/live/sync)
      bmf_refuse "this host is $(bmf_describe): bmfleet never syncs into it again; to migrate it again, make it the ORIGIN of a new pair" ;;
    origin/retired/sync)
      bmf_refuse "this host is $(bmf_describe): it is never a sync source again (its data is older than its target's)" ;;
    target/*/cutover | target/*/start)
      [ "${BMF_R[stage]}" = live ] || [ "${BMF_R[verified]}" != no ] \
        || bmf_refuse "the cold sync of pair $bmf_state_pair was not verified on this target (counts of the stopped origin and target): run \`bmfleet cold-sync\` again" ;;
  esac
  return 0
}

bmf_state_set() {
  # bmf_state_set KEY=VALUE...: change our pair's record (after bmf_state_guard, under its lock).
  local kv
  [ "${BMF_R[pair]-}" = "$bmf_state_pair" ] || return 0 # no record (overridden guard): nothing to move on
  for kv in "$@"; do
    BMF_R[${kv%%=*}]=${kv#*=}
  done
  BMF_R[since]=$(bmf_now)
  BMF_R[run]=$bmf_state_run
  bmf_state_write
}

bmf_state_record() {
  # bmf_state_record ROLE SELF_KEY_LINE PEER_KEY_LINE PEER_MACHINE_ID: preflight's record.
  local role=$1 self peer peer_id=$4 previous
  [[ $peer_id =~ ^[0-9a-f]{32}$ ]] || peer_id=unknown
  self=$(bmf_fingerprint "$2") && [ -n "$self" ] || exit 1
  peer=$(bmf_fingerprint "$3") && [ -n "$peer" ] || exit 1
  bmf_state_lock || exit 1
  bmf_state_others "$role"
  if bmf_state_own; then
    [ "${BMF_R[role]}" = "$role" ] \
      || bmf_refuse "this host is $(bmf_describe), and pair $bmf_state_pair now names it as its $role: origin and target swapped? fix the inventory"
    case "${BMF_R[stage]}" in
      live | retired) bmf_refuse "this host is $(bmf_describe): the pair is cut over, bmfleet never migrates it again; to migrate it again, make the live target the ORIGIN of a new pair" ;;
    esac
    previous="${BMF_R[self_hostkey]} ${BMF_R[self_machine_id]} ${BMF_R[peer_hostkey]} ${BMF_R[peer_machine_id]}"
    if [ "$previous" != "$self $(bmf_machine_id) $peer $peer_id" ]; then
      echo "bmfleet: the identities of pair $bmf_state_pair changed since the last preflight ($previous): recorded again"
      [ "$role" = target ] && BMF_R[first_sync]=no
      BMF_R[sync_mark]=none # the final rsync's change lists were made against other machines
      BMF_R[sync_mark_next]=none
    fi
  else
    BMF_R=([format]=1 [pair]=$bmf_state_pair [role]=$role [stage]=syncing [recorded]=$(bmf_now)
      [recorded_run]=$bmf_state_run [first_sync]=no [verified]=no)
  fi
  BMF_R[self_hostkey]=$self
  BMF_R[self_machine_id]=$(bmf_machine_id)
  BMF_R[peer_hostkey]=$peer
  BMF_R[peer_machine_id]=$peer_id
  BMF_R[since]=$(bmf_now)
  BMF_R[run]=$bmf_state_run
  bmf_state_write || exit 1
  echo "recorded on this host: $(bmf_describe)"
}

bmf_state_unlock() { [ -z "${bmf_state_fd-}" ] || exec {bmf_state_fd}>&-; }

bmf_state_check() {
  # bmf_state_check ROLE ACTION [SELF_KEY_LINE PEER_KEY_LINE]: the guard alone, for a step that
  # writes no record (the lock is let go at once: parallel steps do not queue on it).
  bmf_state_guard "$@"
  bmf_state_unlock
}

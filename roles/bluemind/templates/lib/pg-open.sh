{#- What both methods that stream the origin's databases to its target open on the origin
    (physical/open-origin.sh, logical/open-origin.sh), each change recorded in the origin's host
    record before it is made (close-origin.sh undoes them):
    - one pg_hba line for the target's address alone and bm.ini's user, `host DATABASES USER
      ADDRESS/32 md5 # bmfleet:PAIR`, inserted before the first rule (pg_hba is first-match, and
      BlueMind's has no replication line: a `reject` below must not shadow it); the file replaced
      whole (lib/pg-cluster.sh), then pg_reload_conf(); a line PostgreSQL does not accept is
      taken out again;
    - max_slot_wal_keep_size (ALTER SYSTEM, PostgreSQL 13+): a slot whose reader is gone never
      fills the origin's disk. The value it had in postgresql.auto.conf is recorded.
    bmf_pg_open DATABASES: DATABASES is pg_hba's field (`replication` for a standby, the
    databases' quoted names for subscriptions); needs the guard's lock; adds to the array
    `changed`. -#}
bmf_pg_open() {
  local field=$1 addr={{ target_pg_source }} keep_mb={{ db_sync_wal_keep_mb }} bits user hba marker line before
  case "$keep_mb" in '' | *[!0-9]*) echo "db_sync_wal_keep_mb must be a number of MiB" >&2; return 2 ;; esac
  [[ $addr =~ ^[0-9A-Fa-f.:]{2,45}$ ]] || { echo "unusable address for the target: $addr" >&2; return 1; }
  case "$addr" in *:*) bits=128 ;; *) bits=32 ;; esac
  user=$(bm_ini_get user)
  [[ $user =~ ^[A-Za-z_][A-Za-z0-9_-]*$ ]] || { echo "unusable database user in bm.ini: $user" >&2; return 1; }
  { hba=$(bmf_pgsu -c 'SHOW hba_file') && [ -f "$hba" ]; } || { echo "cannot find the origin's pg_hba.conf" >&2; return 1; }
  marker="# bmfleet:$bmf_pg_pair"
  line="host $field $user $addr/$bits md5 $marker"
  if ! grep -qxF -- "$line" "$hba"; then
    bmf_state_set pg_hba="$addr"
    bmf_hba_rewrite "$hba" "$marker" "$line" || { echo "cannot write $hba" >&2; return 1; }
    changed+=("a line for $addr in $hba")
  fi
  if [ -z "${BMF_R[pg_keep_before]-}" ]; then
    before=$(bmf_pgsu -c "SELECT setting FROM pg_file_settings WHERE name = 'max_slot_wal_keep_size' AND sourcefile LIKE '%/postgresql.auto.conf' ORDER BY seqno DESC LIMIT 1")
    before=${before:-unset}
    bmf_state_set pg_keep_before="$before" || { echo "max_slot_wal_keep_size is $before in postgresql.auto.conf, which bmfleet cannot record to put back: set it by hand" >&2; return 1; }
    bmf_pgsu -c "ALTER SYSTEM SET max_slot_wal_keep_size = '${keep_mb}MB'" >/dev/null
    changed+=("max_slot_wal_keep_size ${keep_mb}MB")
  fi
  bmf_pgsu -c 'SELECT pg_reload_conf()' >/dev/null
  sleep 0.5 # the postmaster rereads its files asynchronously
  if [ "$(bmf_pgsu -c "SELECT count(*) FROM pg_hba_file_rules WHERE error IS NULL AND address = '$addr'")" = 0 ]; then
    bmf_hba_rewrite "$hba" "$marker" && bmf_pgsu -c 'SELECT pg_reload_conf()' >/dev/null
    echo "PostgreSQL does not accept the line \"$line\" in $hba: taken out again" >&2
    return 1
  fi
}

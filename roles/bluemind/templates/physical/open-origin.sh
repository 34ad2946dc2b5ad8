{#- Open the origin's cluster to its target's standby (physical method), each change recorded
    in the origin's host record before it is made, and undone by close-origin.sh (at the freeze,
    once the target is promoted, or by rollback):
    - one pg_hba line, `host replication USER ADDRESS/32 md5 # bmfleet:PAIR`, for the target's
      address only and bm.ini's user (BlueMind's bj, a superuser, DOMAIN.md), inserted before the
      first rule: pg_hba is first-match, and BlueMind's has no replication line (a `reject` or
      other replication rule below must not shadow it). The file is replaced whole (same owner
      and mode, lib/pg-cluster.sh), then pg_reload_conf(); a line PostgreSQL does not accept is taken out again;
    - max_slot_wal_keep_size (ALTER SYSTEM, PostgreSQL 13+): a slot whose standby is gone never
      fills the origin's disk; past it PostgreSQL gives the slot up and the next hot sync copies
      the cluster again (standby.sh). The value it had in postgresql.auto.conf is recorded;
    - the pair's physical replication slot, reserving WAL from now (a slot PostgreSQL gave up,
      wal_status `lost`, is made again: the standby then rebuilds).
    Prints the cluster's port for the target. Idempotent. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/bm-ini.sh" %}
{% include "templates/lib/pg-cluster.sh" %}
bmf_state_guard origin sync {{ origin_hostkey_pub }} {{ target_hostkey_pub }}
addr={{ target_pg_source }}
keep_mb={{ db_sync_wal_keep_mb }}
case "$keep_mb" in '' | *[!0-9]*) echo "db_sync_wal_keep_mb must be a number of MiB" >&2; exit 2 ;; esac
[[ $addr =~ ^[0-9A-Fa-f.:]{2,45}$ ]] || { echo "unusable address for the target: $addr" >&2; exit 1; }
case "$addr" in *:*) bits=128 ;; *) bits=32 ;; esac
user=$(bm_ini_get user)
[[ $user =~ ^[A-Za-z_][A-Za-z0-9_-]*$ ]] || { echo "unusable database user in bm.ini: $user" >&2; exit 1; }
{ hba=$(bmf_pgsu -c 'SHOW hba_file') && [ -f "$hba" ]; } || { echo "cannot find the origin's pg_hba.conf" >&2; exit 1; }
marker="# bmfleet:$bmf_pg_pair"
line="host replication $user $addr/$bits md5 $marker"
if ! grep -qxF -- "$line" "$hba"; then
  bmf_state_set pg_hba="$addr"
  bmf_hba_rewrite "$hba" "$marker" "$line" || { echo "cannot write $hba" >&2; exit 1; }
  changed="a replication line for $addr in $hba"
fi
if [ -z "${BMF_R[pg_keep_before]-}" ]; then
  before=$(bmf_pgsu -c "SELECT setting FROM pg_file_settings WHERE name = 'max_slot_wal_keep_size' AND sourcefile LIKE '%/postgresql.auto.conf' ORDER BY seqno DESC LIMIT 1")
  before=${before:-unset}
  bmf_state_set pg_keep_before="$before" || { echo "max_slot_wal_keep_size is $before in postgresql.auto.conf, which bmfleet cannot record to put back: set it by hand" >&2; exit 1; }
  bmf_pgsu -c "ALTER SYSTEM SET max_slot_wal_keep_size = '${keep_mb}MB'" >/dev/null
  changed="${changed:+$changed, }max_slot_wal_keep_size ${keep_mb}MB"
fi
bmf_pgsu -c 'SELECT pg_reload_conf()' >/dev/null
sleep 0.5 # the postmaster rereads its files asynchronously
if [ "$(bmf_pgsu -c "SELECT count(*) FROM pg_hba_file_rules WHERE error IS NULL AND 'replication' = ANY(database) AND address = '$addr'")" = 0 ]; then
  bmf_hba_rewrite "$hba" "$marker" && bmf_pgsu -c 'SELECT pg_reload_conf()' >/dev/null
  echo "PostgreSQL does not accept the line \"$line\" in $hba: taken out again" >&2
  exit 1
fi
status=$(bmf_pgsu -c "SELECT coalesce(wal_status, 'none') FROM pg_replication_slots WHERE slot_name = '$bmf_pg_slot'")
if [ "$status" = lost ]; then
  echo "the slot $bmf_pg_slot was given up by PostgreSQL (over max_slot_wal_keep_size): made again, the target copies the cluster again" >&2
  bmf_pgsu -c "SELECT pg_drop_replication_slot('$bmf_pg_slot')" >/dev/null
  status=
fi
if [ -z "$status" ]; then
  bmf_pgsu -c "SELECT pg_create_physical_replication_slot('$bmf_pg_slot', true)" >/dev/null
  changed="${changed:+$changed, }slot $bmf_pg_slot"
fi
echo "the origin's cluster is open to $addr for streaming${changed:+ (added: $changed)}" >&2
bmf_pgsu -c 'SHOW port'

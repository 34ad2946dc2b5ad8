{#- The target as a streaming standby of its origin's whole cluster (physical method).
    First hot sync: pg_basebackup -X stream through the pair's slot (open-origin.sh made it)
    into a new directory beside the target's data directory, while the target's own cluster
    still runs; then the target's PostgreSQL stops, its data directory is moved aside (kept
    whole, recorded as pg_aside before the move: rollback puts it back), the copy takes its
    place and starts as a standby. The copy keeps the target's own configuration files
    (postgresql.conf, pg_hba.conf, pg_ident.conf, postgresql.auto.conf, BlueMind's
    postgresql.conf.local), not the origin's: the target's cluster settings stay the target's,
    as with a dump. Later hot syncs only check that the standby streams and print its lag; one
    that does not stream (slot given up, a copy interrupted) is copied again.
    The replication login is bm.ini's on the origin, in a password file of the postgres account
    beside the data directory (lib/origin-login.sh); promote.sh and rollback-target.sh remove
    the file. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/pg-cluster.sh" %}
{% include "templates/lib/origin-ssh.sh" %}
{% include "templates/lib/private-dir.sh" %}
{% include "templates/lib/origin-login.sh" %}
port={{ origin_pg_port }}
[[ $port =~ ^[0-9]{1,5}$ ]] || { echo "unusable port of the origin's PostgreSQL: $port" >&2; exit 1; }
bmf_state_guard target sync {{ target_hostkey_pub }} {{ origin_hostkey_pub }}
[ "${BMF_R[db_sync]-}" = physical ] || { echo "the target's record does not say db_sync=physical: run \`bmfleet preflight\` again" >&2; exit 1; }
recorded=${BMF_R[pg_aside]-}
aside=$recorded
bmf_state_unlock
if [ -n "$aside" ]; then
  datadir=${aside%.bmfleet_before_*}
else
  datadir=$(bmf_pgsu -c 'SHOW data_directory') || { echo "cannot read the target's data directory" >&2; exit 1; }
  aside=$datadir.bmfleet_before_$bmf_pg_pair
fi
bmf_pg_layout "$datadir" || { echo "the target's data directory $datadir is not Debian's layout: use db_sync: dump" >&2; exit 1; }
copy=$datadir.bmfleet_copy_$bmf_pg_pair
pass=$(dirname -- "$datadir")/bmfleet_$bmf_pg_pair.pgpass
conninfo="host=$bmfleet_origin_host port=$port user=USER passfile=$pass application_name=$bmf_pg_slot"

as_pg() { (cd / && runuser -u postgres -- "$@"); }
bmf_lag() {
  # The standby streams: its WAL receiver is connected and it replays; prints the lag in bytes
  # behind the origin's current position (IDENTIFY_SYSTEM over the replication channel). Waits
  # up to $1 s for the receiver to connect.
  local until=$(( $(date +%s) + $1 )) ident lsn lag
  until [ "$(bmf_pgsu -c "SELECT pg_is_in_recovery() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')" 2>/dev/null)" = t ]; do
    [ "$(date +%s)" -lt "$until" ] || return 1
    sleep 1
  done
  ident=$(as_pg psql -X -At "${conninfo/USER/$user} replication=true connect_timeout=15" -c IDENTIFY_SYSTEM) || return 1
  lsn=$(printf '%s' "$ident" | cut -d'|' -f3)
  [[ $lsn =~ ^[0-9A-F]{1,8}/[0-9A-F]{1,8}$ ]] || return 1
  [ "$(printf '%s' "$ident" | cut -d'|' -f1)" = "$(bmf_pgsu -c 'SELECT system_identifier FROM pg_control_system()')" ] ||
    { echo "the target's standby is not a copy of this origin's cluster (system identifiers differ)" >&2; return 1; }
  lag=$(bmf_pgsu -c "SELECT greatest(pg_wal_lsn_diff('$lsn', pg_last_wal_replay_lsn()), 0)::bigint")
  echo "the target streams the origin's cluster: $lag bytes behind its $lsn"
}

# The replication login: bm.ini's user and password on the origin, read through the trust.
bmf_origin_login "$pass" || exit 1
user=$bmf_origin_user

if [ -d "$aside" ] && [ -f "$datadir/$bmf_pg_marker" ] && bmf_lag 20; then
  exit 0
fi
if [ -e "$aside" ] || [ -L "$aside" ]; then
  if [ -z "$recorded" ] || [ -L "$aside" ] || [ ! -d "$aside" ]; then
    echo "$aside exists and this target's record does not name it as its own cluster (an earlier migration's?): check it and move it away, then run the hot sync again" >&2
    exit 1
  fi
  echo "the target's standby does not stream: copying the origin's cluster again"
fi

# The copy, beside the data directory, while the target's cluster (its own or an earlier copy) runs.
rm -rf -- "$copy"
as_pg mkdir -m 700 -- "$copy" || exit 1
start=$(date +%s)
(as_pg env PGPASSFILE="$pass" "$(bmf_pg_bin pg_basebackup)" -h "$bmfleet_origin_host" -p "$port" -U "$user" \
  --no-password -D "$copy" -X stream -S "$bmf_pg_slot" --checkpoint=fast) ||
  { rm -rf -- "$copy"; echo "pg_basebackup from the origin failed; the target's cluster is untouched" >&2; exit 1; }
# The target's own configuration files, from its own cluster (the one set aside, once it is).
own=$datadir
[ -d "$aside" ] && own=$aside
for f in postgresql.conf postgresql.conf.local pg_hba.conf pg_ident.conf postgresql.auto.conf; do
  rm -f -- "$copy/$f"
  if [ -f "$own/$f" ] && [ ! -L "$own/$f" ]; then as_pg cp -p -- "$own/$f" "$copy/$f" || exit 1; fi
done
# shellcheck disable=SC2016 # $1 is the inner sh's argument
{ printf "primary_conninfo = '%s'\n" "${conninfo/USER/$user}"; printf "primary_slot_name = '%s'\n" "$bmf_pg_slot"; } |
  as_pg sh -c 'cat >>"$1"' sh "$copy/postgresql.auto.conf" || exit 1
as_pg touch -- "$copy/standby.signal" "$copy/$bmf_pg_marker" || exit 1
echo "copied the origin's cluster ($(du -sb -- "$copy" | cut -f1) bytes) in $(( $(date +%s) - start )) s"

# The swap: the target's own data directory is recorded, then moved aside; an earlier copy goes.
bmf_pg_service stop "$datadir" || { echo "cannot stop the target's PostgreSQL" >&2; exit 1; }
if [ ! -d "$aside" ]; then
  bmf_state_guard target sync
  bmf_state_set pg_aside="$aside" || exit 1
  bmf_state_unlock
  mv -- "$datadir" "$aside"
  echo "the target's own cluster is kept whole in $aside (rollback puts it back)"
elif [ -e "$datadir" ]; then
  [ -f "$datadir/$bmf_pg_marker" ] || { echo "$datadir is not bmfleet's copy of the origin (no $bmf_pg_marker): refusing to remove it" >&2; exit 1; }
  rm -rf -- "$datadir"
fi
mv -- "$copy" "$datadir"
bmf_pg_service start "$datadir" || { echo "the target's PostgreSQL does not start on the copy" >&2; exit 1; }
bmf_lag 60 || { echo "the copy started but does not stream from the origin" >&2; exit 1; }

{#- The freeze of the physical method: prove that the target's standby replayed the stopped
    origin's last WAL position (final-lsn.sh; the same cluster, by its system identifier), then
    promote it (pg_promote) and make it a cluster of its own: no primary_conninfo, no slot name,
    no password file. Bounded wait (db_sync_catchup_secs): a standby that does not catch up
    fails the pair here, before the point of no return, and rollback gives the origin back. A
    copy promoted by an earlier cold sync no longer follows its origin: refused (rollback, then
    hot sync and cold sync again). -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/pg-cluster.sh" %}
bmf_state_check target sync
read -r sysid lsn _ <<<{{ origin_final_lsn }}
[[ $sysid =~ ^[0-9]+$ && $lsn =~ ^[0-9A-F]{1,8}/[0-9A-F]{1,8}$ ]] || { echo "unexpected final position from the origin" >&2; exit 1; }
wait_secs={{ db_sync_catchup_secs }}
case "$wait_secs" in '' | *[!0-9]*) echo "db_sync_catchup_secs must be a number of seconds" >&2; exit 2 ;; esac
datadir=$(bmf_pgsu -c 'SHOW data_directory') || { echo "the target's PostgreSQL does not answer" >&2; exit 1; }
[ -f "$datadir/$bmf_pg_marker" ] || { echo "the target's cluster is not bmfleet's copy of the origin: run the hot sync (physical) first" >&2; exit 1; }
[ "$(bmf_pgsu -c 'SELECT system_identifier FROM pg_control_system()')" = "$sysid" ] ||
  { echo "the target's cluster is not a copy of this origin's (system identifiers differ)" >&2; exit 1; }
[ "$(bmf_pgsu -c 'SELECT pg_is_in_recovery()')" = t ] ||
  { echo "the target's copy was promoted by an earlier cold sync and no longer follows the origin: run \`bmfleet rollback --limit $bmf_pg_pair\`, then hot-sync and cold-sync again" >&2; exit 1; }
start=$(date +%s)
until [ "$(bmf_pgsu -c "SELECT coalesce(pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '$lsn') >= 0, false)")" = t ]; do
  if [ $(( $(date +%s) - start )) -ge "$wait_secs" ]; then
    echo "the target's standby replayed $(bmf_pgsu -c 'SELECT pg_last_wal_replay_lsn()') of the origin's $lsn in $wait_secs s: not promoted (the origin is given back by rollback)" >&2
    exit 1
  fi
  sleep 0.2
done
replayed=$(bmf_pgsu -c 'SELECT pg_last_wal_replay_lsn()')
[ "$(bmf_pgsu -c 'SELECT pg_promote(true, 60)')" = t ] || { echo "pg_promote did not complete in 60 s" >&2; exit 1; }
bmf_pgsu -c 'ALTER SYSTEM RESET primary_conninfo' -c 'ALTER SYSTEM RESET primary_slot_name' -c 'SELECT pg_reload_conf()' >/dev/null
rm -f -- "$(dirname -- "$datadir")/bmfleet_$bmf_pg_pair.pgpass"
echo "the target replayed the stopped origin's WAL to $replayed (the origin's last: $lsn) in $(( $(date +%s) - start )) s and was promoted"

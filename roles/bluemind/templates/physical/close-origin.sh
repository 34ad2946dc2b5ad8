{#- Undo what the physical and the logical methods did on the origin (physical/open-origin.sh,
    logical/open-origin.sh), from its record: the pair's replication slots (its WAL senders
    stopped first: a slot in use cannot be dropped), the pg_hba line, the max_slot_wal_keep_size
    setting put back as it was; for the logical method also the publications, the tables'
    replica identities as they were, the table-copy slots a subscription cut short leaves, and
    wal_level's setting (which takes effect at PostgreSQL's next restart: a serving origin is not
    restarted a second time); pg_reload_conf(). Run at the freeze once the target is promoted or
    caught up, and by rollback. Idempotent: what is not there is not removed.
    With the origin's PostgreSQL down, nothing can be undone: nothing to do when the record says
    nothing was added (a dump pair), else exit 3 naming what is left (rollback takes it as a
    warning and still starts the origin's services; run it again once PostgreSQL runs). -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/pg-cluster.sh" %}
{% include "templates/lib/private-dir.sh" %}
bmf_state_guard origin sync {{ origin_hostkey_pub }} {{ target_hostkey_pub }}
if ! bmf_pg_running; then
  if [ -z "${BMF_R[pg_hba]-}${BMF_R[pg_keep_before]-}${BMF_R[pg_pub]-}${BMF_R[pg_wal_before]-}" ]; then
    echo "nothing of the physical or logical method recorded on the origin (its PostgreSQL does not answer)"
    exit 0
  fi
  echo "the origin's PostgreSQL does not answer: its pg_hba line for ${BMF_R[pg_hba]-?}, max_slot_wal_keep_size, slots $bmf_pg_slot*${BMF_R[pg_pub]:+, publications and replica identities}${BMF_R[pg_wal_before]:+, wal_level} are still there; run \`bmfleet rollback\` again once it runs" >&2
  exit 3
fi
done=()
# The physical slot, and the logical ones (one per database: logical/subscribe.sh).
slots="'$bmf_pg_slot'"
n=0
for _ in {{ databases | shell_words }}; do n=$((n + 1)); slots="$slots, '${bmf_pg_slot}_$n'"; done
# The table-copy slots of a subscription cut short (pg_<subscription>_sync_<table>_<system>),
# in the migrated databases, when this pair published there.
copies=false
if [ -n "${BMF_R[pg_pub]-}" ]; then
  copies="slot_name ~ '^pg_[0-9]+_sync_[0-9]+_[0-9]+\$' AND database IN ($(for db in {{ databases | shell_words }}; do printf "'%s'," "$db"; done | sed 's/,$//'))"
fi
ours="(slot_name IN ($slots) OR ($copies))"
for _ in $(seq 30); do
  [ "$(bmf_pgsu -c "SELECT count(*) FROM pg_replication_slots WHERE $ours")" = 0 ] && break
  bmf_pgsu -c "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE $ours AND active_pid IS NOT NULL" >/dev/null
  dropped=$(bmf_pgsu -c "SELECT string_agg(slot_name, ' ') FROM (SELECT slot_name, pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE $ours AND NOT active) d" 2>/dev/null) &&
    [ -n "$dropped" ] && done+=("slots $dropped dropped")
  sleep 1
done
[ "$(bmf_pgsu -c "SELECT count(*) FROM pg_replication_slots WHERE $ours")" = 0 ] ||
  { echo "cannot drop the replication slots of $bmf_pg_pair on the origin (still in use)" >&2; exit 1; }
if [ -n "${BMF_R[pg_pub]-}" ]; then
  priv={{ work_dir }}/logical
  for db in {{ databases | shell_words }}; do
    pg_db() { (cd / && runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"); }
    if [ "$(pg_db -c "SELECT count(*) FROM pg_publication WHERE pubname = '$bmf_pg_slot'")" = 1 ]; then
      pg_db -c "DROP PUBLICATION $bmf_pg_slot" >/dev/null || { echo "cannot drop the publication $bmf_pg_slot of $db" >&2; exit 1; }
      done+=("publication of $db dropped")
    fi
    kept=$priv/replica-identity.$db
    if [ -f "$kept" ] && [ ! -L "$kept" ]; then
      for identity in d n; do
        oids=$(awk -v k="$identity" '$1 == k && $2 ~ /^[0-9]+$/ { printf "%s%s", sep, $2; sep = "," }' "$kept")
        [ -n "$oids" ] || continue
        [ $identity = d ] && word=DEFAULT || word=NOTHING
        pg_db -c "DO \$\$ DECLARE r record; BEGIN
            FOR r IN SELECT oid FROM pg_class WHERE oid = ANY('{$oids}'::oid[]) AND relreplident = 'f' LOOP
              EXECUTE format('ALTER TABLE %s REPLICA IDENTITY $word', r.oid::regclass);
            END LOOP;
          END \$\$" || { echo "cannot put back the replica identity of $db's tables" >&2; exit 1; }
      done
      rm -f -- "$kept"
      done+=("replica identities of $db as they were")
    fi
  done
fi
before=${BMF_R[pg_wal_before]-}
case "$before" in
  '') ;;
  unset) bmf_pgsu -c 'ALTER SYSTEM RESET wal_level' >/dev/null && done+=("wal_level reset (from PostgreSQL's next restart)") ;;
  *) bmf_pgsu -c "ALTER SYSTEM SET wal_level = '$before'" >/dev/null && done+=("wal_level back to $before (from PostgreSQL's next restart)") ;;
esac
{ hba=$(bmf_pgsu -c 'SHOW hba_file') && [ -f "$hba" ]; } || { echo "cannot find the origin's pg_hba.conf" >&2; exit 1; }
marker="# bmfleet:$bmf_pg_pair"
if grep -qF -- "$marker" "$hba"; then
  bmf_hba_rewrite "$hba" "$marker" || { echo "cannot write $hba" >&2; exit 1; }
  done+=("replication line removed from $hba")
fi
before=${BMF_R[pg_keep_before]-}
case "$before" in
  '') ;;
  unset) bmf_pgsu -c 'ALTER SYSTEM RESET max_slot_wal_keep_size' >/dev/null && done+=("max_slot_wal_keep_size reset") ;;
  *) bmf_pgsu -c "ALTER SYSTEM SET max_slot_wal_keep_size = '$before'" >/dev/null && done+=("max_slot_wal_keep_size back to $before") ;;
esac
bmf_pgsu -c 'SELECT pg_reload_conf()' >/dev/null
bmf_state_set pg_hba=none pg_keep_before=none pg_pub=none pg_wal_before=none
if [ -z "${done[*]-}" ]; then
  echo "nothing of the physical or logical method on the origin"
else
  list=$(IFS=';'; echo "${done[*]}")
  echo "the origin's cluster is closed again: ${list//;/; }"
fi

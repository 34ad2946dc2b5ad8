{#- Undo what open-origin.sh did on the origin, from its record: the pair's replication slot
    (its WAL sender stopped first: a slot in use cannot be dropped), the pg_hba line, the
    max_slot_wal_keep_size setting put back as it was; pg_reload_conf(). Run at the freeze once
    the target is promoted, and by rollback. Idempotent: what is not there is not removed.
    With the origin's PostgreSQL down, nothing can be undone: nothing to do when the record says
    nothing was added (a dump pair), else exit 3 naming what is left (rollback takes it as a
    warning and still starts the origin's services; run it again once PostgreSQL runs). -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/pg-cluster.sh" %}
bmf_state_guard origin sync {{ origin_hostkey_pub }} {{ target_hostkey_pub }}
if ! bmf_pg_running; then
  if [ -z "${BMF_R[pg_hba]-}${BMF_R[pg_keep_before]-}" ]; then
    echo "nothing of the physical method recorded on the origin (its PostgreSQL does not answer)"
    exit 0
  fi
  echo "the origin's PostgreSQL does not answer: its pg_hba line for ${BMF_R[pg_hba]-?}, max_slot_wal_keep_size and slot $bmf_pg_slot are still there; run \`bmfleet rollback\` again once it runs" >&2
  exit 3
fi
done=()
for _ in $(seq 30); do
  [ "$(bmf_pgsu -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$bmf_pg_slot'")" = 0 ] && break
  bmf_pgsu -c "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '$bmf_pg_slot' AND active_pid IS NOT NULL" >/dev/null
  bmf_pgsu -c "SELECT pg_drop_replication_slot('$bmf_pg_slot')" >/dev/null 2>&1 && { done+=("slot $bmf_pg_slot dropped"); break; }
  sleep 1
done
[ "$(bmf_pgsu -c "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$bmf_pg_slot'")" = 0 ] ||
  { echo "cannot drop the replication slot $bmf_pg_slot on the origin (still in use)" >&2; exit 1; }
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
bmf_state_set pg_hba=none pg_keep_before=none
if [ -z "${done[*]-}" ]; then
  echo "nothing of the physical method on the origin"
else
  list=$(IFS=';'; echo "${done[*]}")
  echo "the origin's cluster is closed again: ${list//;/; }"
fi

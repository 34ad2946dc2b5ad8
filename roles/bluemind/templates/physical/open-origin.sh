{#- Open the origin's cluster to its target's standby (physical method): the pg_hba line, for
    replication, and max_slot_wal_keep_size (lib/pg-open.sh), then the pair's physical
    replication slot, reserving WAL from now (a slot PostgreSQL gave up, wal_status `lost`, is
    made again: the standby then rebuilds). Each change recorded in the origin's host record
    before it is made, and undone by close-origin.sh (at the freeze, once the target is
    promoted, or by rollback). Prints the cluster's port for the target. Idempotent. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/bm-ini.sh" %}
{% include "templates/lib/pg-cluster.sh" %}
bmf_state_guard origin sync {{ origin_hostkey_pub }} {{ target_hostkey_pub }}
addr={{ target_pg_source }}
{% include "templates/lib/pg-open.sh" %}
changed=()
bmf_pg_open replication || exit 1
status=$(bmf_pgsu -c "SELECT coalesce(wal_status, 'none') FROM pg_replication_slots WHERE slot_name = '$bmf_pg_slot'")
if [ "$status" = lost ]; then
  echo "the slot $bmf_pg_slot was given up by PostgreSQL (over max_slot_wal_keep_size): made again, the target copies the cluster again" >&2
  bmf_pgsu -c "SELECT pg_drop_replication_slot('$bmf_pg_slot')" >/dev/null
  status=
fi
if [ -z "$status" ]; then
  bmf_pgsu -c "SELECT pg_create_physical_replication_slot('$bmf_pg_slot', true)" >/dev/null
  changed+=("slot $bmf_pg_slot")
fi
if [ -n "${changed[*]-}" ]; then
  list=$(IFS=';'; echo "${changed[*]}")
  echo "the origin's cluster is open to $addr for streaming (added: ${list//;/; })" >&2
else
  echo "the origin's cluster is open to $addr for streaming" >&2
fi
bmf_pgsu -c 'SHOW port'

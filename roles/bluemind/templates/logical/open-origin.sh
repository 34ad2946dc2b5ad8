{#- Open the origin's databases to its target's subscriptions (logical method, role.yml
    `db_sync: logical`), each change recorded in the origin's host record before it is made and
    undone by physical/close-origin.sh (at the freeze once the target caught up, or by
    rollback):
    - wal_level: logical decoding needs `logical`; BlueMind's PostgreSQL runs `replica`
      (DOMAIN.md). Changing it restarts the origin's PostgreSQL (BlueMind's connections to its
      databases drop for a few seconds): done only when `db_sync_logical_restart` says so, the
      setting it had in postgresql.auto.conf recorded (pg_wal_before);
    - the pg_hba line and max_slot_wal_keep_size, as for the physical method (lib/pg-open.sh),
      the line's database field the databases' names (`"bj","bj-data"`): a logical
      replication connection names its database, and matches that field as any login does;
    - REPLICA IDENTITY FULL on every table without a primary key (BlueMind has some:
      t_container_acl, DOMAIN.md): once a table is published, PostgreSQL refuses its UPDATEs and
      DELETEs on the origin unless it has a replica identity, so this comes first; each table's
      identity before (by oid, and by name for the target: a dump of the schema now says FULL)
      is kept in a private file, put back by close-origin.sh;
    - one publication per database, named as the pair's slot, FOR TABLE every table that exists
      now (never FOR ALL TABLES: a keyless table BlueMind created later would then refuse its
      own UPDATEs on the serving origin). A table created after it is not copied: the cold
      sync's row comparison fails the pair before the point of no return.
    The subscriptions (logical/subscribe.sh) make their own slots through the line above. Prints
    the cluster's port. Idempotent. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/bm-ini.sh" %}
{% include "templates/lib/pg-cluster.sh" %}
{% include "templates/lib/pg-open.sh" %}
bmf_state_guard origin sync {{ origin_hostkey_pub }} {{ target_hostkey_pub }}
addr={{ target_pg_source }}
restart={{ db_sync_logical_restart }}
dbs=()
for db in {{ databases | shell_words }}; do
  [[ $db =~ ^[A-Za-z0-9_.-]+$ ]] || { echo "unusable database name: $db" >&2; exit 1; }
  dbs+=("\"$db\"")
done
changed=()
bmf_pgdb() { local db=$1; shift; (cd / && runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"); }

# wal_level, with the one restart this method may cost the serving origin.
wal=$(bmf_pgsu -c 'SHOW wal_level') || { echo "the origin's PostgreSQL does not answer" >&2; exit 1; }
if [ "$wal" != logical ]; then
  [ "$restart" = true ] ||
    { echo "the origin's wal_level is $wal, and logical replication needs logical, which restarts its PostgreSQL: set db_sync_logical_restart: true to let bmfleet do it, or set it yourself" >&2; exit 1; }
  datadir=$(bmf_pgsu -c 'SHOW data_directory')
  bmf_pg_layout "$datadir" || { echo "the origin's data directory $datadir is not Debian's layout: set wal_level = logical and restart its PostgreSQL yourself" >&2; exit 1; }
  if [ -z "${BMF_R[pg_wal_before]-}" ]; then
    before=$(bmf_pgsu -c "SELECT setting FROM pg_file_settings WHERE name = 'wal_level' AND sourcefile LIKE '%/postgresql.auto.conf' ORDER BY seqno DESC LIMIT 1")
    bmf_state_set pg_wal_before="${before:-unset}" || { echo "cannot record the origin's wal_level setting to put it back" >&2; exit 1; }
  fi
  bmf_pgsu -c "ALTER SYSTEM SET wal_level = 'logical'" >/dev/null
  echo "restarting the origin's PostgreSQL for wal_level = logical (db_sync_logical_restart): BlueMind's connections to it drop for a few seconds" >&2
  bmf_state_unlock
  { bmf_pg_service stop "$datadir" && bmf_pg_service start "$datadir"; } || { echo "the origin's PostgreSQL did not restart: check it now" >&2; exit 1; }
  for _ in $(seq 30); do bmf_pg_running && break; sleep 1; done
  [ "$(bmf_pgsu -c 'SHOW wal_level')" = logical ] || { echo "the origin's wal_level is still not logical after its restart" >&2; exit 1; }
  bmf_state_guard origin sync {{ origin_hostkey_pub }} {{ target_hostkey_pub }}
  changed+=("wal_level logical (PostgreSQL restarted)")
fi

# The pg_hba line for the databases, and the WAL the slots may hold (lib/pg-open.sh).
bmf_pg_open "$(IFS=,; echo "${dbs[*]}")" || exit 1

# Replica identities, then the publications (in this order: see above).
{% include "templates/logical/tables.sh" %}
priv={{ work_dir }}/logical
bmf_private_dir {{ work_dir }} || exit 1
(umask 077 && mkdir -p -- "$priv") || exit 1
[ -n "${BMF_R[pg_pub]-}" ] || bmf_state_set pg_pub=yes || { echo "cannot record the publications" >&2; exit 1; }
for db in {{ databases | shell_words }}; do
  kept=$priv/replica-identity.$db
  if [ ! -s "$kept" ]; then
    # "IDENTITY OID NAME" of each table to change, before anything changes (d: default, n:
    # nothing); the target reads it too (logical/subscribe.sh: its copy's identities).
    bmf_pgdb "$db" -c "SELECT c.relreplident::text || ' ' || c.oid::text || ' ' || format('%I.%I', n.nspname, c.relname)
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE $bmf_published AND c.relreplident IN ('d', 'n')
      AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)" >"$kept.partial" ||
      { echo "cannot list $db's tables without a key" >&2; exit 1; }
    echo "end" >>"$kept.partial"
    mv -f -- "$kept.partial" "$kept"
  fi
  n=$(grep -c '^[dn] ' "$kept" || true)
  oids=$(awk '/^[dn] / { printf "%s%s", sep, $2; sep = "," }' "$kept")
  bmf_pgdb "$db" -c "DO \$\$ DECLARE r record; BEGIN
      FOR r IN SELECT oid FROM pg_class WHERE oid = ANY('{$oids}'::oid[]) AND relreplident <> 'f' LOOP
        EXECUTE format('ALTER TABLE %s REPLICA IDENTITY FULL', r.oid::regclass);
      END LOOP;
    END \$\$" || { echo "cannot give $db's tables without a key a replica identity" >&2; exit 1; }
  if [ "$(bmf_pgdb "$db" -c "SELECT count(*) FROM pg_publication WHERE pubname = '$bmf_pg_slot'")" = 0 ]; then
    bmf_pgdb "$db" -c "DO \$\$ DECLARE tables text; BEGIN
        SELECT string_agg(c.oid::regclass::text, ', ') INTO tables FROM pg_class c WHERE $bmf_published;
        IF tables IS NULL THEN RAISE EXCEPTION 'no table to publish'; END IF;
        EXECUTE format('CREATE PUBLICATION %I FOR TABLE ', '$bmf_pg_slot') || tables;
      END \$\$" || { echo "cannot publish $db's tables" >&2; exit 1; }
    changed+=("publication $bmf_pg_slot of $db ($n tables without a key: REPLICA IDENTITY FULL)")
  fi
done
if [ -n "${changed[*]-}" ]; then
  list=$(IFS=';'; echo "${changed[*]}")
  echo "the origin's databases are open to $addr for logical replication (added: ${list//;/; })" >&2
else
  echo "the origin's databases are open to $addr for logical replication" >&2
fi
bmf_pgsu -c 'SHOW port'

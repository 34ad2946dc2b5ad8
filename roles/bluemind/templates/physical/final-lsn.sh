{#- The stopped origin's last WAL position, which the target's standby must have replayed before
    it is promoted (promote.sh): BlueMind and postfix are stopped (stop-services.sh), PostgreSQL
    still runs with no core writing. A CHECKPOINT first writes out and flushes everything
    committed (the walsender sends only flushed WAL; with synchronous_commit off a commit may
    still sit in the WAL buffers). Prints "SYSTEM_IDENTIFIER LSN GLIBC": the origin's glibc as it
    is now, for the target to know whether its copied indexes on text sort as its own glibc does
    (reindex.sh).
    Sequences first: PostgreSQL WAL-logs a sequence ahead of its last value (SEQ_LOG_VALS, 32
    values, in src/backend/commands/sequence.c), so a promoted standby would show up to 32 ids
    more than the stopped origin (harmless for ids, but not the origin's state, and BlueMind's
    blocks of ids make last_value the truth: DOMAIN.md). setval() of each sequence to its own
    last_value and is_called logs the exact state: the origin's values do not change, the
    standby replays them. -#}
{% include "templates/lib/pg-cluster.sh" %}
for db in {{ databases | shell_words }}; do
  (cd / && runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c '
    DO $$
    DECLARE r record; v bigint; called boolean;
    BEGIN
      FOR r IN SELECT c.oid::regclass AS seq FROM pg_class c WHERE c.relkind = '"'S'"' AND c.relpersistence = '"'p'"' LOOP
        EXECUTE format('"'SELECT last_value, is_called FROM %s'"', r.seq) INTO v, called;
        PERFORM pg_catalog.setval(r.seq, v, called);
      END LOOP;
    END $$') || { echo "cannot write the sequences' exact state on the origin's $db" >&2; exit 1; }
done
bmf_pgsu -c 'CHECKPOINT' >/dev/null || { echo "CHECKPOINT failed on the origin" >&2; exit 1; }
position=$(bmf_pgsu -F ' ' -c 'SELECT system_identifier, pg_current_wal_lsn() FROM pg_control_system()')
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
echo "$position ${glibc:-unknown}"

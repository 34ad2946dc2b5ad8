{#- The stopped origin's last WAL position, which the target's standby must have replayed before
    it is promoted (promote.sh): BlueMind and postfix are stopped (stop-services.sh), PostgreSQL
    still runs with no core writing. A CHECKPOINT first writes out and flushes everything
    committed (the walsender sends only flushed WAL; with synchronous_commit off a commit may
    still sit in the WAL buffers). Prints "SYSTEM_IDENTIFIER LSN". -#}
{% include "templates/lib/pg-cluster.sh" %}
bmf_pgsu -c 'CHECKPOINT' >/dev/null || { echo "CHECKPOINT failed on the origin" >&2; exit 1; }
bmf_pgsu -F ' ' -c 'SELECT system_identifier, pg_current_wal_lsn() FROM pg_control_system()'

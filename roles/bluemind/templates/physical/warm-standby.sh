{#- The warm pass of the physical method: every table of the target's standby read once, while
    the origin still serves, so that the freeze's count of the promoted copy (count-target.sh)
    reads pages already in memory whose rows' commit status is already known.
    Why: a standby replays pages but does not look rows up; the first read of a row after
    replay checks its transaction's commit status and sets the page's hint bits, writing the
    page (PostgreSQL's src/backend/access/heap/heapam_visibility.c, SetHintBits; on a standby too
    where data checksums and wal_log_hints are off, as on a cluster Debian creates). On the
    bench tenant the promoted copy's first count took 36.7 s against the origin's 9.3 s at the
    same moment (bench/README.md, 2026-12-07), in the downtime; read here, that cost is paid
    while the origin serves.
    Each table is a statement of its own (autocommit): a snapshot lives one table's read, so the
    standby's replay waits at most that long on a conflicting cleanup record
    (max_standby_streaming_delay), and never into the freeze: this step ends before the origin
    stops. A statement cancelled by such a conflict, or past its timeout, is counted and left:
    nothing here decides what the check proves (the freeze counts every table again). The
    names come from the standby's catalog, quoted by PostgreSQL itself (format %I). Read-only:
    a standby refuses any write. A failure is a warning (exit 3). -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/pg-cluster.sh" %}
bmf_state_check target sync
[ "$(bmf_pgsu -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ] ||
  { echo "the target's copy is not a standby following its origin: nothing to read ahead" >&2; exit 3; }
start=$(date +%s%N)
tables=0 failed=0
for db in {{ databases | shell_words }}; do
  sql=$(bmf_pgsu -d "$db" -c "
    SELECT format('SELECT count(*) FROM %I.%I;', table_schema, table_name)
    FROM information_schema.tables
    WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')") ||
    { echo "the standby's database $db does not answer: not read ahead" >&2; failed=$((failed + 1)); continue; }
  n=$(printf '%s\n' "$sql" | grep -c . || true)
  tables=$((tables + n))
  errors=$( { printf "SET statement_timeout = '120s';\n"; printf '%s\n' "$sql"; } |
    (cd / && runuser -u postgres -- psql -X -q -At -d "$db" -v ON_ERROR_STOP=0 -f - 2>&1 >/dev/null) | grep -ci '^psql:.*error' || true)
  failed=$((failed + errors))
done
ms=$((($(date +%s%N) - start) / 1000000))
echo "read $tables tables of the target's standby ahead of the freeze's count in $ms ms"
if [ "$failed" -gt 0 ]; then
  echo "$failed of them could not be read now (a conflict with the replay, or a timeout): the freeze's count reads them first" >&2
  exit 3
fi

{#- The promoted copy's indexes on text, rebuilt where the target's glibc is not the origin's.
    Why: a physical copy carries the origin's indexes as they are on disk, sorted by the origin's
    glibc; an index on text under a libc collation is only right while the C library sorts text
    the same way (glibc 2.28 reordered most of it: PostgreSQL's wiki "Locale data changes", whose
    query this is; DOMAIN.md "PostgreSQL as BlueMind runs it"). A wrong order breaks lookups and
    unique checks without an error. So each index with a column or expression under the
    database's default collation (libc: en_US.UTF-8 for BlueMind's) or another libc collation is
    rebuilt with REINDEX, in every database of the copy; indexes on numbers, timestamps or text
    under "C" are left as they are. Then the collation versions PostgreSQL 15 keeps are refreshed
    (ALTER DATABASE/COLLATION ... REFRESH VERSION), or every connection would warn of a mismatch.
    In the freeze, after the promotion, before the count: its time counts in the downtime (a
    restore rebuilds every index, this only the ones on text). The glibcs are read now on both
    hosts (the origin's with its final position, final-lsn.sh), not taken from preflight: an
    upgrade since then counts. The same glibc: nothing to do. A REINDEX that fails fails the
    pair before the point of no return (rollback gives the origin back). -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/pg-cluster.sh" %}
bmf_state_check target sync
read -r _ _ origin_glibc <<<{{ origin_final_lsn }}
own_glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
[[ ${origin_glibc:-} =~ ^[0-9][0-9.]*$ ]] || origin_glibc=unknown
if [ "$origin_glibc" = "${own_glibc:-}" ]; then
  echo "glibc $own_glibc on both hosts: the copied indexes on text sort as here, none rebuilt"
  exit 0
fi
start=$(date +%s%N)
indexes=0
for db in $(bmf_pgsu -c "SELECT datname FROM pg_database WHERE datallowconn AND datname ~ '^[A-Za-z0-9_.-]+$' ORDER BY 1"); do
  sql=$(bmf_pgsu -d "$db" -c "
    SELECT DISTINCT format('REINDEX INDEX %I.%I;', n.nspname, ic.relname)
    FROM pg_index i
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = ic.relnamespace
    CROSS JOIN LATERAL unnest(i.indcollation::oid[]) AS k(coll)
    JOIN pg_collation c ON c.oid = k.coll
    WHERE c.collprovider = 'c' AND c.collname NOT IN ('C', 'POSIX')
       OR c.collprovider = 'd' AND (SELECT datcollate FROM pg_database WHERE datname = current_database()) NOT IN ('C', 'POSIX')") ||
    { echo "cannot list the indexes of $db on the promoted copy" >&2; exit 1; }
  n=$(printf '%s\n' "$sql" | grep -c . || true)
  if [ "$n" -gt 0 ]; then
    printf '%s\n' "$sql" | bmf_pgsu -d "$db" -f - >/dev/null ||
      { echo "REINDEX failed in $db on the promoted copy: the pair stops before cutover" >&2; exit 1; }
  fi
  bmf_pgsu -d "$db" -c "ALTER DATABASE \"$db\" REFRESH COLLATION VERSION" >/dev/null 2>&1 || true
  bmf_pgsu -d "$db" -c "
    SELECT format('ALTER COLLATION %I.%I REFRESH VERSION;', n.nspname, c.collname)
    FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
    WHERE c.collversion IS NOT NULL AND c.collversion IS DISTINCT FROM pg_collation_actual_version(c.oid)" 2>/dev/null |
    bmf_pgsu -d "$db" -f - >/dev/null 2>&1 || true
  indexes=$((indexes + n))
done
echo "glibc $origin_glibc on the origin, ${own_glibc:-unknown} here: rebuilt $indexes indexes on text in $((($(date +%s%N) - start) / 1000000)) ms"

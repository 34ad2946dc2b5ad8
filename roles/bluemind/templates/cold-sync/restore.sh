{#- Restore one database on the target without ever leaving it half-restored, and without ever
    dropping the target's own database (issue #11): load the dump into a new database in one
    transaction, then swap names; the displaced database is kept, renamed
    <db>__bmfleet_before_<UTC time>, for the operator to drop once the migration is accepted.
    The new database gets what BlueMind's installer gives it and a plain dump does not carry:
    UTF-8 (createdb --encoding=UTF-8) and TIMEZONE 'GMT' (ALTER DATABASE ... SET TIMEZONE='GMT'),
    as in BlueMind's parent/system/net.bluemind.system.pg.tests/data/install_bmdb_pgsql_0.sh and
    its own restore, parent/dataprotect/net.bluemind.dataprotect.postgresql/scripts/restore.sh.
    Right before anything changes, on this host: the dump's sha256 is the origin's, it is complete,
    and it holds no psql meta-command but pg_dump's own \restrict / \unrestrict lines (psql runs
    with -X, ON_ERROR_STOP and one transaction). -#}
{% include "templates/lib/host-state.sh" %}
bmf_state_check target sync # never touch a live target's databases
db={{ item }}
stage={{ work_dir }}/stage/dump
dump=$stage/$db.sql
new="${db}__bmfleet_new"
before="${db}__bmfleet_before_$(date -u +%Y%m%d%H%M%S)"
[ -f "$stage/$db.sql.sha256" ] && ( cd "$stage" && sha256sum --quiet --strict -c -- "$db.sql.sha256" ) \
  || { echo "the staged dump of $db does not match the origin's sha256; refusing to restore" >&2; exit 1; }
tail -n 5 -- "$dump" | grep -q '^-- PostgreSQL database dump complete' || { echo "no complete dump of $db staged" >&2; exit 1; }
# psql's own lexer decides what a meta-command is (a backslash outside quotes, dollar quotes and
# comments): follow it, skipping COPY data (between "COPY ... FROM stdin;" and "\.").
bad=$(awk '
  function fail(why) { printf "line %d: %s\n", NR, why; exit 1 }
  copy { if ($0 == "\\.") copy = 0; next }
  st == "" && /^\\(restrict|unrestrict) [A-Za-z0-9]+$/ { next }
  st == "" && /^COPY .* FROM stdin;$/ { copy = 1; next }
  {
    line = $0; n = length(line)
    for (i = 1; i <= n; i++) {
      c = substr(line, i, 1)
      if (st == "q") { if (c == "\\" && esc) i++; else if (c == "'"'"'") st = ""; continue }
      if (st == "d") { if (c == "\"") st = ""; continue }
      if (st == "c") { if (substr(line, i, 2) == "*/") { st = ""; i++ } continue }
      if (st == "$") { if (substr(line, i, length(tag)) == tag) { i += length(tag) - 1; st = "" } continue }
      if (c == "\\") fail("a psql meta-command: " substr(line, i, 40))
      if (substr(line, i, 2) == "--") break
      if (substr(line, i, 2) == "/*") { st = "c"; i++; continue }
      if (c == "'"'"'") { p = substr(line, i - 1, 1); esc = (p == "E" || p == "e"); st = "q"; continue }
      if (c == "\"") { st = "d"; continue }
      if (c == "$" && match(substr(line, i), /^\$[A-Za-z_0-9]*\$/) && substr(line, i - 1, 1) !~ /[A-Za-z0-9_]/) {
        tag = substr(line, i, RLENGTH); st = "$"; i += RLENGTH - 1; continue
      }
    }
  }
' "$dump") || true
[ -z "$bad" ] || { echo "the dump of $db holds what pg_dump does not write, refusing it: $bad" >&2; exit 1; }
owner=$(sed -n "s/^[[:space:]]*user[[:space:]]*=[[:space:]]*//p" {{ bm_ini }} | tail -n 1 | tr -d "\"' ")
[ -n "$owner" ] || owner=bj
# As the postgres superuser (peer authentication), from a directory it may enter.
cd /
pg() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"; }
ident() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
literal() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }
# Each -c runs in its own transaction (CREATE DATABASE cannot run inside one). The new database is
# bmfleet's own: a leftover of an interrupted restore may go.
terminate="SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $(literal "$new") AND pid <> pg_backend_pid()"
pg -d postgres -c "$terminate" -c "DROP DATABASE IF EXISTS $(ident "$new")" \
  -c "CREATE DATABASE $(ident "$new") OWNER $(ident "$owner") ENCODING 'UTF8' TEMPLATE template0" \
  -c "ALTER DATABASE $(ident "$new") SET TIMEZONE='GMT'" >/dev/null
# The dump is root's (staged with umask 077): psql reads it from stdin. Most of a large restore is
# building the indexes after the COPYs: this session alone may sort in memory (PostgreSQL's default
# maintenance_work_mem, 64MB, spills a tenant's indexes to disk; bench/README.md "Large tenant").
PGOPTIONS='-c maintenance_work_mem=256MB' pg -d "$new" --single-transaction -f - <"$dump" >/dev/null
# The swap: the previous database stays complete, under another name, never dropped.
exists=$(pg -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = $(literal "$db")")
swap=()
if [ "$exists" = 1 ]; then
  swap+=(-c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $(literal "$db") AND pid <> pg_backend_pid()")
  swap+=(-c "ALTER DATABASE $(ident "$db") RENAME TO $(ident "$before")")
fi
swap+=(-c "ALTER DATABASE $(ident "$new") RENAME TO $(ident "$db")")
pg -d postgres "${swap[@]}" >/dev/null
if [ "$exists" = 1 ]; then
  echo "$db restored (UTF8, TIMEZONE GMT); the target's previous $db is kept as $before"
else
  echo "$db restored (UTF8, TIMEZONE GMT)"
fi

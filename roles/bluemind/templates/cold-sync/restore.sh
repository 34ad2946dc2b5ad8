{#- Restore one database on the target without ever leaving it half-restored, and without ever
    dropping the target's own database (issue #11): load the dump into a new database, then
    swap names; the displaced database is kept, renamed
    <db>__bmfleet_before_<UTC time>, for the operator to drop once the migration is accepted.
    The new database gets what BlueMind's installer gives it and a plain dump does not carry:
    UTF-8 (createdb --encoding=UTF-8), the origin's locale (en_US.UTF-8, see below) and
    TIMEZONE 'GMT' (ALTER DATABASE ... SET TIMEZONE='GMT'),
    as in BlueMind's parent/system/net.bluemind.system.pg.tests/data/install_bmdb_pgsql_0.sh and
    its own restore, parent/dataprotect/net.bluemind.dataprotect.postgresql/scripts/restore.sh.
    Right before anything changes, on this host: the dump is, file for file, the one the origin
    summed (lib/dump-check.sh). It is a pg_dump directory archive, read by pg_restore as BlueMind's
    own restore does (parent/dataprotect/net.bluemind.dataprotect.postgresql/scripts/restore.sh):
    pg_restore sends the archive's SQL to the server itself and interprets no psql meta-command,
    so nothing in a dump reaches a shell. {{ pg_jobs }} jobs restore the tables' data and build
    the indexes at once (pg_restore -j, which rules out one transaction: the new database is
    bmfleet's own until the rename below, and --exit-on-error stops at the first error, before
    the rename). -#}
{% include "templates/lib/host-state.sh" %}
bmf_state_check target sync # never touch a live target's databases
db={{ item }}
stage={{ work_dir }}/stage/dump
dump=$stage/$db.dir
new="${db}__bmfleet_new"
before="${db}__bmfleet_before_$(date -u +%Y%m%d%H%M%S)"
{% include "templates/lib/dump-check.sh" %}
bmf_dump_check "$stage" "$db" || { echo "refusing to restore $db" >&2; exit 1; }
owner=$(sed -n "s/^[[:space:]]*user[[:space:]]*=[[:space:]]*//p" {{ bm_ini }} | tail -n 1 | tr -d "\"' ")
[ -n "$owner" ] || owner=bj
# As the postgres superuser (peer authentication), from a directory it may enter.
cd /
pg() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"; }
ident() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
literal() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }
# The new database takes the origin database's collation and ctype, which the dump's DATABASE
# entry records (pg_dump writes CREATE DATABASE ... LOCALE = '...', or LC_COLLATE and LC_CTYPE
# when they differ). BlueMind's databases are in en_US.UTF-8 (install_bmdb_pgsql_0.sh creates
# them from a template1 it rebuilds in that locale) while template0 keeps the locale the cluster
# was made in: created from template0 without one, the copy sorted text (and built its indexes
# on text) otherwise than the origin. Only the locale names are taken from the dump, checked
# against a strict pattern; no SQL of the dump runs here.
entry=$(mktemp)
trap 'rm -f -- "$entry"' EXIT
if ! toc=$(pg_restore -C -l -- "$dump"); then
  echo "pg_restore cannot read the table of contents of the dump of $db; the target's $db is untouched" >&2
  exit 1
fi
printf '%s\n' "$toc" | grep -E '^[0-9]+; [0-9]+ [0-9]+ DATABASE - ' >"$entry" ||
  { echo "the dump of $db has no DATABASE entry to read its locale from; the target's $db is untouched" >&2; exit 1; }
create=$(pg_restore -C -L "$entry" -f - -- "$dump" | grep '^CREATE DATABASE ' || true)
locale_of() { printf '%s\n' "$create" | sed -n "s/.* $1 = '\([A-Za-z0-9_.@-]*\)'.*/\1/p"; }
collate=$(locale_of LC_COLLATE); ctype=$(locale_of LC_CTYPE); both=$(locale_of LOCALE)
collate=${collate:-$both}; ctype=${ctype:-$both}
if [ -z "$collate" ] || [ -z "$ctype" ]; then
  echo "the dump of $db does not say its database's locale ($create); the target's $db is untouched" >&2
  exit 1
fi
# Each -c runs in its own transaction (CREATE DATABASE cannot run inside one). The new database is
# bmfleet's own: a leftover of an interrupted restore may go.
terminate="SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $(literal "$new") AND pid <> pg_backend_pid()"
pg -d postgres -c "$terminate" -c "DROP DATABASE IF EXISTS $(ident "$new")" \
  -c "CREATE DATABASE $(ident "$new") OWNER $(ident "$owner") ENCODING 'UTF8' TEMPLATE template0 LC_COLLATE $(literal "$collate") LC_CTYPE $(literal "$ctype")" \
  -c "ALTER DATABASE $(ident "$new") SET TIMEZONE='GMT'" >/dev/null ||
  { echo "cannot create $new in the origin's locale ($collate, $ctype; is it on this host? locale -a); the target's $db is untouched" >&2; exit 1; }
# The dump is root's, staged with umask 077: pg_restore runs as postgres (peer authentication on
# the socket) allowed to read it and nothing more (CAP_DAC_READ_SEARCH, no write). Most of a large
# restore is building the indexes after the COPYs: its sessions may sort in memory (PostgreSQL's
# default maintenance_work_mem, 64MB, spills a tenant's indexes to disk; bench/README.md "Large
# tenant").
PGOPTIONS='-c maintenance_work_mem=256MB' setpriv --reuid=postgres --regid=postgres --init-groups \
  --inh-caps=+dac_read_search --ambient-caps=+dac_read_search -- \
  pg_restore -j {{ pg_jobs }} --exit-on-error -d "$new" -- "$dump" ||
  { echo "pg_restore of $db into $new failed; the target's $db is untouched" >&2; exit 1; }
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
  echo "$db restored (UTF8, $collate, TIMEZONE GMT); the target's previous $db is kept as $before"
else
  echo "$db restored (UTF8, $collate, TIMEZONE GMT)"
fi

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
    the rename).
    The dump is the origin's data, and the origin may be compromised (issue 27): nothing of it
    runs as a superuser of the target. PostgreSQL runs a CHECK constraint's, a trigger's or an
    index expression's function as the user of the session that loads the rows, and a function
    can RESET ROLE back to its session's user, so pg_restore --role is no defence: pg_restore
    logs in as a role of its own, made for this restore, that is no superuser and owns only the
    new database ("$db"__bmfleet_restore, NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    NOBYPASSRLS, a random password that only this step holds, over TCP on 127.0.0.1 as
    BlueMind's pg_hba allows with md5), with --no-owner --no-privileges. The superuser creates
    the database and the extensions the dump needs, but only those BlueMind's schema creates
    (the allow-list below); then gives every object and the database to bm.ini's user, as
    BlueMind's installer has it (REASSIGN OWNED, which runs no function of the dump), and drops
    the restore's role. -#}
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
entry=$(mktemp); exts=$(mktemp); list=$(mktemp); pass=$(mktemp)
trap 'rm -f -- "$entry" "$exts" "$list" "$pass"' EXIT
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
# The extensions BlueMind's schema creates, and where (mdhender/bluemindfork): hstore, btree_gin
# WITH SCHEMA pg_catalog (e.g. parent/core/net.bluemind.core.container.sqlschema/sql/
# item-store-1.0.0-SNAPSHOT.sql), ltree and unaccent WITH SCHEMA pg_catalog
# (parent/directory/net.bluemind.directory.sqlschema/sql/directory-schema.1.0.0.sql),
# pg_stat_statements and pg_repack in the default schema
# (parent/core/net.bluemind.core.sqlschema/sql/pg_stat_statements.sql, pg_repack.sql). Creating
# one needs the superuser: these are created here, from their names alone, before the restore,
# whose list leaves out the dump's EXTENSION entries and their comments (a comment on an
# extension needs its owner). Any other extension (dblink, file_fdw, adminpack, ...) refuses
# the dump before anything changes.
allowed="hstore btree_gin ltree unaccent pg_stat_statements pg_repack"
printf '%s\n' "$toc" | grep -E '^[0-9]+; [0-9]+ [0-9]+ EXTENSION - ' >"$exts" || true
extensions=()
if [ -s "$exts" ]; then
  while IFS= read -r line; do
    case "$line" in 'CREATE EXTENSION '*) ;; *) continue ;; esac
    name=$(printf '%s\n' "$line" | sed -n 's/^CREATE EXTENSION IF NOT EXISTS \([a-z_]*\) WITH SCHEMA \(pg_catalog\|public\);$/\1/p')
    schema=$(printf '%s\n' "$line" | sed -n 's/^CREATE EXTENSION IF NOT EXISTS \([a-z_]*\) WITH SCHEMA \(pg_catalog\|public\);$/\2/p')
    case " $allowed " in
      *" $name "*) [ -n "$name" ] && extensions+=("CREATE EXTENSION IF NOT EXISTS $(ident "$name") WITH SCHEMA $schema") ;;
      *) name= ;;
    esac
    [ -n "$name" ] || {
      echo "the dump of $db creates an extension BlueMind's schema does not ($(printf '%s' "$line" | tr -cd 'A-Za-z0-9_ ;' | cut -c 1-120)); only $allowed are created; the target's $db is untouched" >&2
      exit 1
    }
  done < <(pg_restore -L "$exts" -f - -- "$dump")
  created=0
  for _ in "${extensions[@]}"; do created=$((created + 1)); done
  [ "$created" = "$(wc -l <"$exts")" ] ||
    { echo "the dump of $db names extensions pg_restore does not create as BlueMind's schema does; the target's $db is untouched" >&2; exit 1; }
fi
pg_restore -l -- "$dump" | grep -Ev '^[0-9]+; [0-9]+ [0-9]+ (EXTENSION - |COMMENT - EXTENSION )' >"$list" ||
  { echo "pg_restore cannot list the dump of $db; the target's $db is untouched" >&2; exit 1; }
# Each -c runs in its own transaction (CREATE DATABASE cannot run inside one). The new database and
# the restore's role are bmfleet's own: a leftover of an interrupted restore may go. The role's
# password is made here and kept in a file of root's for pg_restore (PGPASSFILE); the session
# that sets it logs no statement (as db-password.sh).
restorer="${db}__bmfleet_restore"
terminate="SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE (datname = $(literal "$new") OR usename = $(literal "$restorer")) AND pid <> pg_backend_pid()"
discard() {
  pg -d postgres -c "$terminate" -c "DROP DATABASE IF EXISTS $(ident "$new")" -c "DROP ROLE IF EXISTS $(ident "$restorer")" >/dev/null 2>&1 || true
}
password=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '127.0.0.1:*:*:%s:%s\n' "$restorer" "$password" >"$pass"
pg -d postgres -c "$terminate" -c "DROP DATABASE IF EXISTS $(ident "$new")" -c "DROP ROLE IF EXISTS $(ident "$restorer")" >/dev/null ||
  { echo "cannot remove the leftover $new or role $restorer of an earlier restore; the target's $db is untouched" >&2; exit 1; }
pg -d postgres -c "SET log_statement = 'none'" -c "SET log_min_error_statement = 'panic'" -c "SET log_min_duration_statement = -1" \
  -c "CREATE ROLE $(ident "$restorer") LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD $(literal "$password")" \
  -c "CREATE DATABASE $(ident "$new") OWNER $(ident "$restorer") ENCODING 'UTF8' TEMPLATE template0 LC_COLLATE $(literal "$collate") LC_CTYPE $(literal "$ctype")" \
  -c "ALTER DATABASE $(ident "$new") SET TIMEZONE='GMT'" >/dev/null ||
  { discard; echo "cannot create $new in the origin's locale ($collate, $ctype; is it on this host? locale -a); the target's $db is untouched" >&2; exit 1; }
for create_extension in "${extensions[@]}"; do
  pg -d "$new" -c "$create_extension" >/dev/null ||
    { discard; echo "cannot $create_extension in $new (is its package installed on this host?); the target's $db is untouched" >&2; exit 1; }
done
# Most of a large restore is building the indexes after the COPYs: its sessions may sort in memory
# (PostgreSQL's default maintenance_work_mem, 64MB, spills a tenant's indexes to disk;
# bench/README.md "Large tenant"). pg_restore runs as root, which reads the dump (root's, staged
# with umask 077); the server sees only the restore's role.
PGPASSFILE=$pass PGOPTIONS='-c maintenance_work_mem=256MB' \
  pg_restore -h 127.0.0.1 -U "$restorer" --no-owner --no-privileges -L "$list" \
  -j {{ pg_jobs }} --exit-on-error -d "$new" -- "$dump" ||
  { discard; echo "pg_restore of $db into $new (as $restorer, no superuser) failed; the target's $db is untouched" >&2; exit 1; }
# The restored objects and the database go to bm.ini's user, as BlueMind's installer makes them
# (createdb --owner, install_bmdb_pgsql_0.sh); the restore's role goes. The database's settings
# are again only TIMEZONE 'GMT' first (the restore's role owned the database and could have set
# others for every later session in it).
{
  pg -d postgres -c "$terminate" -c "ALTER DATABASE $(ident "$new") RESET ALL" \
    -c "ALTER DATABASE $(ident "$new") SET TIMEZONE='GMT'" >/dev/null &&
    pg -d "$new" -c "REASSIGN OWNED BY $(ident "$restorer") TO $(ident "$owner")" \
      -c "DROP OWNED BY $(ident "$restorer")" >/dev/null &&
    pg -d postgres -c "DROP ROLE $(ident "$restorer")" >/dev/null
} || { discard; echo "cannot give $new to $owner; the target's $db is untouched" >&2; exit 1; }
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

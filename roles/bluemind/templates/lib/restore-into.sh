{#- Load a pg_dump archive of one database into a new database of the target's cluster,
    never touching the target's own (cold-sync/restore.sh at the freeze, from the origin's
    dump; logical/subscribe.sh at hot sync, from a dump of the origin's schema alone), as
    restore.sh's comment says: in the origin's locale, extensions from an allow-list only,
    loaded by a role of its own that is no superuser, then given to bm.ini's user.
    bmf_restore_into ARCHIVE DB NEW: prints the new database's "UTF8, LOCALE, TIMEZONE GMT";
    fails (NEW dropped again) saying why. A subshell: its exits and traps stay its own. -#}
# shellcheck disable=SC2030 # a subshell: its variables (named as its callers') are its own on purpose
bmf_restore_into() (
  local dump=$1 db=$2 new=$3
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
  echo "UTF8, $collate, TIMEZONE GMT"
)

{#- Restore one database on the target without ever leaving it half-restored: load the dump
    into a new database in one transaction, then swap names. The target's previous database
    lives until the new one is complete. -#}
db={{ item }}
dump={{ work_dir }}/stage/dump/$db.sql
new="${db}__bmfleet_new"
old="${db}__bmfleet_old"
tail -n 5 -- "$dump" | grep -q '^-- PostgreSQL database dump complete' || { echo "no complete dump of $db staged" >&2; exit 1; }
owner=$(sed -n "s/^[[:space:]]*user[[:space:]]*=[[:space:]]*//p" {{ bm_ini }} | tail -n 1 | tr -d "\"' ")
[ -n "$owner" ] || owner=bj
pg() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"; }
ident() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
literal() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }
terminate() {
  pg -d postgres -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $(literal "$1") AND pid <> pg_backend_pid()" >/dev/null
}
terminate "$new"
pg -d postgres -c "DROP DATABASE IF EXISTS $(ident "$new")"
pg -d postgres -c "CREATE DATABASE $(ident "$new") OWNER $(ident "$owner")"
pg -d "$new" --single-transaction -f "$dump" >/dev/null
terminate "$db"
terminate "$old"
pg -d postgres -c "DROP DATABASE IF EXISTS $(ident "$old")"
if [ "$(pg -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = $(literal "$db")")" = 1 ]; then
  pg -d postgres -c "ALTER DATABASE $(ident "$db") RENAME TO $(ident "$old")"
fi
pg -d postgres -c "ALTER DATABASE $(ident "$new") RENAME TO $(ident "$db")"
pg -d postgres -c "DROP DATABASE IF EXISTS $(ident "$old")"
echo "$db restored"

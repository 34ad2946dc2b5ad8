{#- Restore one database on the target without ever leaving it half-restored: load the dump
    into a new database in one transaction, then swap names. The target's previous database
    lives until the new one is complete. -#}
{% include "templates/lib/host-state.sh" %}
bmf_state_check target sync # never drop a live target's databases
db={{ item }}
dump={{ work_dir }}/stage/dump/$db.sql
new="${db}__bmfleet_new"
old="${db}__bmfleet_old"
tail -n 5 -- "$dump" | grep -q '^-- PostgreSQL database dump complete' || { echo "no complete dump of $db staged" >&2; exit 1; }
owner=$(sed -n "s/^[[:space:]]*user[[:space:]]*=[[:space:]]*//p" {{ bm_ini }} | tail -n 1 | tr -d "\"' ")
[ -n "$owner" ] || owner=bj
# As the postgres superuser (peer authentication), from a directory it may enter.
cd /
pg() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"; }
ident() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
literal() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }
# Each -c runs in its own transaction (CREATE/DROP DATABASE cannot run inside one).
terminate="SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname IN ($(literal "$new"), $(literal "$old")) AND pid <> pg_backend_pid()"
pg -d postgres -c "$terminate" -c "DROP DATABASE IF EXISTS $(ident "$new")" -c "CREATE DATABASE $(ident "$new") OWNER $(ident "$owner")" >/dev/null
# The dump is root's (staged with umask 077): psql reads it from stdin.
pg -d "$new" --single-transaction -f - <"$dump" >/dev/null
# The swap: the previous database stays complete until the new one takes its name.
exists=$(pg -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = $(literal "$db")")
swap=(-c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $(literal "$db") AND pid <> pg_backend_pid()" -c "DROP DATABASE IF EXISTS $(ident "$old")")
[ "$exists" = 1 ] && swap+=(-c "ALTER DATABASE $(ident "$db") RENAME TO $(ident "$old")")
swap+=(-c "ALTER DATABASE $(ident "$new") RENAME TO $(ident "$db")" -c "DROP DATABASE IF EXISTS $(ident "$old")")
pg -d postgres "${swap[@]}" >/dev/null
echo "$db restored"

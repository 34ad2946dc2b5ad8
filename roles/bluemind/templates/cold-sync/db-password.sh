{#- bm.ini now holds the origin's database password: give the target's database user that
    password, so BlueMind connects once started. The SQL goes through stdin, never argv. -#}
{% include "templates/lib/host-state.sh" %}
bmf_state_check target sync # never change a live target's database password
{% include "templates/lib/bm-ini.sh" %}
cd /
user=$(bm_ini_get user)
[ -n "$user" ] || user=bj
password=$(bm_ini_get password)
[ -n "$password" ] || { echo "no password in" {{ bm_ini }} >&2; exit 1; }
# PostgreSQL would log the statement, password included, under log_statement = ddl/all, on an
# error (log_min_error_statement) or when slow: this session logs none of it (superuser only).
{ printf '%s\n' "SET log_statement = 'none';" "SET log_min_error_statement = 'panic';" "SET log_min_duration_statement = -1;"
printf 'ALTER ROLE "%s" WITH PASSWORD '\''%s'\'';\n' "$(printf '%s' "$user" | sed 's/"/""/g')" "$(printf '%s' "$password" | sed "s/'/''/g")"; } \
  | runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres -f -
bm_pg -d {{ databases | first }} -c 'SELECT 1' >/dev/null
echo "the database accepts the password of the copied bm.ini"

{#- What the logical method leaves on the target and how it goes (logical/subscribe.sh makes it,
    catch-up.sh and rollback take it): <db>__bmfleet_new and its subscription <pair slot>_<n>.
    bmf_logical_discard DB N: the subscription goes without touching the origin (disabled, its
    slot let go: close-origin.sh drops the slot there), then the new database. Idempotent. -#}
bmf_logical_discard() {
  local db=$1 n=$2 new="$1__bmfleet_new" sub="${bmf_pg_slot}_$2" lit
  lit="'$(printf '%s' "$new" | sed "s/'/''/g")'"
  if [ "$(bmf_pgsu -c "SELECT count(*) FROM pg_database WHERE datname = $lit")" = 1 ]; then
    if [ "$(cd / && runuser -u postgres -- psql -X -At -d "$new" -c "SELECT count(*) FROM pg_subscription WHERE subname = '$sub'")" = 1 ]; then
      (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d "$new" -c "ALTER SUBSCRIPTION $sub DISABLE" \
        -c "ALTER SUBSCRIPTION $sub SET (slot_name = NONE)" -c "DROP SUBSCRIPTION $sub") >/dev/null ||
        { echo "$db: cannot drop the subscription $sub" >&2; return 1; }
    fi
    bmf_pgsu -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $lit AND pid <> pg_backend_pid()" \
      -c "DROP DATABASE IF EXISTS \"$(printf '%s' "$new" | sed 's/"/""/g')\"" >/dev/null ||
      { echo "$db: cannot drop $new" >&2; return 1; }
  fi
}

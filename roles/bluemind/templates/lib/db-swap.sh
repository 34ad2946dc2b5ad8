{#- Put a database loaded beside the target's own in its place, by renaming: the previous one
    stays complete under another name (<db>__bmfleet_before_<UTC time>), never dropped, for the
    operator to drop once the migration is accepted (issue #11). bmf_db_swap DB NEW WHAT: WHAT
    says how NEW was made (for the message). -#}
bmf_db_swap() {
  local db=$1 new=$2 what=$3 before exists swap=()
  before="${db}__bmfleet_before_$(date -u +%Y%m%d%H%M%S)"
  ident() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
  literal() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }
  pg() { (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 "$@"); }
  exists=$(pg -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = $(literal "$db")")
  if [ "$exists" = 1 ]; then
    swap+=(-c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $(literal "$db") AND pid <> pg_backend_pid()")
    swap+=(-c "ALTER DATABASE $(ident "$db") RENAME TO $(ident "$before")")
  fi
  swap+=(-c "ALTER DATABASE $(ident "$new") RENAME TO $(ident "$db")")
  pg -d postgres "${swap[@]}" >/dev/null
  if [ "$exists" = 1 ]; then
    echo "$db $what; the target's previous $db is kept as $before"
  else
    echo "$db $what"
  fi
}

{#- SQL on one of the origin's databases from the target, as PostgreSQL's own processes log in
    there (bm.ini's user on the origin, its password file: lib/origin-login.sh; admitted by the
    pair's pg_hba line, logical/open-origin.sh). Needs $bmfleet_origin_host, $port, $user and
    $pass. bmf_origin_sql DB SQL: unaligned rows. -#}
bmf_origin_sql() {
  (cd / && runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 \
    "host=$bmfleet_origin_host port=$port dbname=$1 user=$user passfile=$pass connect_timeout=15" -c "$2")
}

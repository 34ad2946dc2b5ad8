{#- Shell helpers to read /etc/bm/bm.ini on the host itself: the database password never
    travels through the controller and never appears in a command line. -#}
bm_ini_get() {
  # bm.ini is "key = value" (Java properties style); the value may be quoted.
  sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" {{ bm_ini }} | tail -n 1 | sed "s/^[\"']//; s/[\"'][[:space:]]*\$//; s/[[:space:]]*\$//"
}
bm_pg() {
  # psql as the BlueMind database user, with the password from bm.ini.
  PGPASSWORD=$(bm_ini_get password) PGCONNECT_TIMEOUT=10 psql -X -q -h localhost -U "$(bm_ini_get user || true)" "$@"
}

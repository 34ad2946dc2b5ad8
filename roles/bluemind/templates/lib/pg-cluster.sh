{#- The host's own PostgreSQL cluster, as root drives it for the physical method (role.yml
    `db_sync`, templates/physical/): psql as the postgres superuser on the socket (peer
    authentication, as restore.sh and BlueMind's pg_hba have it: DOMAIN.md "Databases"), the
    cluster's service, and the names bmfleet gives what it adds. Debian's layout only
    (/var/lib/postgresql/MAJOR/NAME served by postgresql@MAJOR-NAME, which is how BlueMind's
    bm-postgresql runs on Debian and Ubuntu): preflight refuses the physical method elsewhere. -#}
bmf_pgsu() {
  # SQL as postgres, unaligned, stopping at the first error; from / (runuser keeps the cwd).
  (cd / && runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@")
}
bmf_pg_pair={{ pair.name }}
# The replication slot of this pair on its origin (slot names: lowercase letters, digits, _).
# shellcheck disable=SC2034 # (a library: not every step uses each name)
bmf_pg_slot=bmfleet_$(printf '%s' "$bmf_pg_pair" | tr '[:upper:]' '[:lower:]' | tr -c '[:lower:][:digit:]_' '_' | cut -c1-50)
# What marks a data directory as bmfleet's copy of the origin (never the target's own cluster).
# shellcheck disable=SC2034
bmf_pg_marker=bmfleet_copy_of_origin
bmf_pg_layout() {
  # bmf_pg_layout DATADIR: sets bmf_pg_ver and bmf_pg_name, or fails (not Debian's layout).
  [[ $1 =~ ^/var/lib/postgresql/([0-9]+)/([A-Za-z0-9_-]+)$ ]] || return 1
  bmf_pg_ver=${BASH_REMATCH[1]} bmf_pg_name=${BASH_REMATCH[2]}
}
bmf_pg_running() { bmf_pgsu -c 'SELECT 1' >/dev/null 2>&1; }
bmf_pg_service() {
  # bmf_pg_service start|stop DATADIR, idempotent. The caller lets go of the state lock before a
  # start: a started PostgreSQL would inherit its descriptor and hold the lock for its life.
  bmf_pg_layout "$2" || { echo "bmfleet: $2 is not a cluster of Debian's layout" >&2; return 1; }
  case "$1" in
    start) ! bmf_pg_running || return 0 ;;
    stop) bmf_pg_running || [ -f "$2/postmaster.pid" ] || return 0 ;;
  esac
  # (from /: pg_ctl runs as postgres, who may not enter the step's directory)
  if command -v systemctl >/dev/null; then
    (cd / && systemctl "$1" "postgresql@$bmf_pg_ver-$bmf_pg_name")
  else
    (cd / && pg_ctlcluster "$bmf_pg_ver" "$bmf_pg_name" "$1")
  fi
}
bmf_pg_bin() {
  # The client tool of the cluster's major (Debian installs each major's in its own directory).
  if [ -x "/usr/lib/postgresql/$bmf_pg_ver/bin/$1" ]; then echo "/usr/lib/postgresql/$bmf_pg_ver/bin/$1"; else echo "$1"; fi
}
bmf_hba_rewrite() {
  # bmf_hba_rewrite HBA MARKER [LINE]: pg_hba without the lines ending with MARKER, then with
  # LINE before its first rule when given; replaced whole (a temporary file renamed over it, same
  # mode). As postgres, who owns the file and its directory: root writing there could follow a
  # link that account left.
  # shellcheck disable=SC2016 # $1, $2 and $3 are the inner sh's arguments, awk's $0 its own
  (cd / && runuser -u postgres -- sh -c '
    tmp=$(mktemp "$1.bmfleet.XXXXXX") || exit 1
    awk -v marker="$2" -v line="$3" '"'"'
      function first() { if (line != "" && !done) { print line; done = 1 } }
      substr($0, length($0) - length(marker) + 1) == marker { next }
      /^[[:space:]]*(#|$)/ { print; next }
      { first(); print }
      END { first() }'"'"' "$1" >"$tmp" && chmod --reference="$1" "$tmp" && mv -f "$tmp" "$1" || { rm -f "$tmp"; exit 1; }
  ' sh "$1" "$2" "${3-}")
}

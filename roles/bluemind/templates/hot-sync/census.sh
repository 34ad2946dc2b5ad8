{#- bmf_census: how much mail a host holds: "files=N kb=N recent=N", the regular files and KiB
    of the spools, and the message files delivered in the last day (4.x Cyrus: `<uid>.` files
    in mailbox directories, tests/fleet/README.md "Data"; 5.x: the bodies under data/by_hash,
    DOMAIN.md "Versions"). Used before the first hot sync into a target. -#}
bmf_census() {
  local spool files=0 kb=0 recent n b
  for spool in {{ spools | shell_words }}; do
    [ -d "$spool" ] || continue
    read -r n b < <(find "$spool" -type f -printf '%s\n' | awk '{n++; s += $1} END {printf "%d %d\n", n, s / 1024}')
    files=$((files + n))
    kb=$((kb + b))
  done
  # (awk reads to the end: `head` would kill find with SIGPIPE, which pipefail turned into exit 141
  # on an origin with more than 1000 recent messages, seen in tests/fleet_mail.rs)
  recent=$(find /var/spool/cyrus /var/spool/bm-hsm -type f -mtime -1 \
    \( -regextype posix-extended -regex '.*/[0-9]+\.' -o -path '*/by_hash/*' \) 2>/dev/null | awk 'NR <= 1000' | wc -l)
  echo "files=$files kb=$kb recent=$recent"
}
bmf_number() {
  case "$2" in '' | *[!0-9]*) echo "$1 must be a whole number, not $2" >&2; exit 2 ;; esac
}

{#- The origin's host key, as the controller verified it on its own connection, goes into a
    known_hosts file dedicated to the migration: the target never trusts on first use. -#}
umask 077
known={{ trust_known_hosts }}
mkdir -p -- "$(dirname -- "$known")"
printf 'bmfleet-origin %s\n' {{ origin_hostkey_pub }} >"$known.tmp"
mv -f -- "$known.tmp" "$known"
cat -- "$known"

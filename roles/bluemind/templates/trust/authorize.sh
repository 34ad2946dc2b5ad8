{#- Authorize the target's migration key on the origin, read-only when rrsync is available:
    the target may then only *read* the origin through rsync, whatever it asks. -#}
pubkey={{ target_trust_pub }}
case "$pubkey" in
  ssh-ed25519\ *) ;;
  *) echo "unexpected public key from the target: $pubkey" >&2; exit 1 ;;
esac
pull_user={{ origin_pull_user }}
home=$(getent passwd "$pull_user" | cut -d: -f6)
[ -n "$home" ] || { echo "no user $pull_user on the origin" >&2; exit 1; }
umask 077
mkdir -p -- "$home/.ssh"
touch -- "$home/.ssh/authorized_keys"
options='restrict'
{% if trust_read_only %}
if command -v rrsync >/dev/null 2>&1; then
  options='restrict,command="rrsync -ro /"'
else
  echo "note: rrsync is not installed on the origin; the migration key is not limited to read-only rsync"
fi
{% endif %}
line="$options $pubkey"
# Replace any earlier line of this pair's key (its options may have changed), keep all others.
tmp=$(mktemp "$home/.ssh/.authorized_keys.XXXXXX")
grep -vF -- "$pubkey" "$home/.ssh/authorized_keys" >"$tmp" || true
printf '%s\n' "$line" >>"$tmp"
chown --reference="$home/.ssh/authorized_keys" -- "$tmp" 2>/dev/null || true
mv -f -- "$tmp" "$home/.ssh/authorized_keys"
echo "authorized on the origin: $line"

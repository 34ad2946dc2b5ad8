{#- Remove this pair's migration key from the origin, keep all others. The key is the exact one
    authorize.sh recorded (type and base64, root-only, under /var/lib/bmfleet/trust): a line of
    authorized_keys goes only if it holds that key, whatever its options or comment. A record
    that matches no line fails (someone changed the file: look at it); so does a line marked with
    this pair's comment that no record names. -#}
{% include "templates/lib/pull-user.sh" %}
home=$(getent passwd "$bmfleet_pull_user" | cut -d: -f6)
keys="$home/.ssh/authorized_keys"
marker={{ trust_comment ~ ":" ~ pair.name }}
case "$marker" in *[!A-Za-z0-9._:@-]* | '') echo "trust_comment must be letters, digits and . _ : @ -" >&2; exit 2 ;; esac
record=/var/lib/bmfleet/trust/$marker.key
if [ ! -f "$record" ]; then
  # No trust recorded: never trusted, or already revoked (no line marked with this pair's comment:
  # nothing to do), or authorized by an older bmfleet, which recorded no key. Those lines are not
  # removed by their comment: an older bmfleet could install more than its own key (a target key
  # with a newline added an unrestricted line under another comment), so "revoked" would be a
  # promise this script cannot check. The operator looks at the file and removes them.
  lines=$([ -f "$keys" ] && awk -v m="$marker" '$NF == m {printf "%s%d", sep, NR; sep = ","}' "$keys")
  [ -n "$lines" ] || { echo "nothing to revoke"; exit 0; }
  echo "$keys holds a migration key of this pair (line $lines, comment $marker) that no trust record names (authorized by an older bmfleet?): nothing was removed. Check every line of that file (an older bmfleet could add keys under other comments), remove the migration key by hand, then run the revocation again" >&2
  exit 1
fi
read -r key_type key_blob rest <"$record"
if [ "$key_type" != ssh-ed25519 ] || [ -z "$key_blob" ] || [ -n "$rest" ]; then
  echo "unreadable trust record $record" >&2
  exit 1
fi
case "$key_blob" in *[!A-Za-z0-9+/=]*) echo "unreadable trust record $record" >&2; exit 1 ;; esac
[ -f "$keys" ] || { echo "the origin has no $keys, but a trust was recorded: look at it" >&2; exit 1; }
# Fields: [options] TYPE BLOB COMMENT. A line holds the key when some field is the blob right
# after the type (options may hold spaces inside their quotes; the blob never does).
# shellcheck disable=SC2016 # an awk program: $i is awk's field i
holds='{ for (i = 1; i < NF; i++) if ($i == t && $(i + 1) == b) { found = 1; break } }'
if ! awk -v t="$key_type" -v b="$key_blob" "$holds"' found {n++} {found = 0} END {exit !n}' "$keys"; then
  echo "the recorded migration key is not in $keys: nothing matched, nothing revoked; look at the file" >&2
  exit 1
fi
tmp=$(mktemp "$home/.ssh/.authorized_keys.XXXXXX")
awk -v t="$key_type" -v b="$key_blob" "$holds"' !found {print} {found = 0}' "$keys" >"$tmp"
chown --reference="$keys" -- "$tmp" 2>/dev/null || true
chmod 600 -- "$tmp"
mv -f -- "$tmp" "$keys"
rm -f -- "$record"
echo "revoked $marker"

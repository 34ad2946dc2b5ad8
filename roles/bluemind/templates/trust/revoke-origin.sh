{#- Remove this pair's migration key from the origin (matched by its exact comment), keep all others. -#}
{% include "templates/lib/pull-user.sh" %}
home=$(getent passwd "$bmfleet_pull_user" | cut -d: -f6)
keys="$home/.ssh/authorized_keys"
[ -f "$keys" ] || { echo "nothing to revoke"; exit 0; }
marker={{ trust_comment ~ ":" ~ pair.name }}
if awk -v m="$marker" '$NF == m {found = 1} END {exit !found}' "$keys"; then
  tmp=$(mktemp "$home/.ssh/.authorized_keys.XXXXXX")
  awk -v m="$marker" '$NF != m' "$keys" >"$tmp"
  chown --reference="$keys" -- "$tmp" 2>/dev/null || true
  chmod 600 -- "$tmp"
  mv -f -- "$tmp" "$keys"
  echo "revoked $marker"
else
  echo "nothing to revoke"
fi

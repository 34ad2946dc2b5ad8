{#- Console: System configuration > "My networks" (save it again so postfix gets it). -#}
{% include "templates/lib/core-api.sh" %}
value={{ mynetworks }}
if [ -z "$value" ] && bm_version_at_least 4 1 && command -v bm-cli >/dev/null; then
  value=$(bm-cli sysconf get mynetworks 2>/dev/null | tail -n 1)
fi
[ -n "$value" ] || manual "save \"My networks\" again: Admin console > System configuration (set the inventory var mynetworks to automate it)"
if bm_version_at_least 4 1 && command -v bm-cli >/dev/null; then
  bm-cli sysconf set mynetworks --value "$value"
else
  json=$(printf '%s' "$value" | sed 's/\\/\\\\/g; s/"/\\"/g')
  bm_api POST /api/configuration "{\"mynetworks\":\"$json\"}" >/dev/null \
    || manual "set \"My networks\" to $value: Admin console > System configuration"
fi
echo "my networks: $value"

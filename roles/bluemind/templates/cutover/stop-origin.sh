{#- Stop the origin for good: it must never serve again once the target has its data. -#}
{% include "templates/lib/services.sh" %}
bmctl stop
bm_postfix stop
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  systemctl disable postfix.service bluemind.target 2>/dev/null || true
fi
echo "BlueMind and postfix stopped on the origin for good"

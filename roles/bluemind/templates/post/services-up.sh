{#- BlueMind and postfix serve on the target. `bmctl status` exits 0 when everything is stopped
    (BlueMind: packaging/bm-conf/ROOT/usr/bin/bmctl, status_bm_stopped), so it proves nothing: ask
    systemd about bluemind.target and bm-core (PartOf it), the core about its state, and postfix's
    real instance, postfix@-.service on Debian/Ubuntu (postfix.service is a placeholder). -#}
{% include "templates/lib/core-api.sh" %}
{% include "templates/lib/services.sh" %}
if bmf_systemd; then
  systemctl is-active bluemind.target bm-core.service
else
  echo "no systemd running here: BlueMind's units cannot be asked, the core's state is the proof"
fi
state=$(bm_core_state)
[ "$state" = CORE_STATE_RUNNING ] || { echo "the BlueMind core is in state ${state:-unknown}" >&2; exit 1; }
echo "core: $state"
if bmf_systemd && systemctl cat postfix@-.service >/dev/null 2>&1; then
  systemctl is-active postfix@-.service
else
  bm_postfix status
fi

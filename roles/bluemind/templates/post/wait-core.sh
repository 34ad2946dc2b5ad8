{#- Wait until the BlueMind core is ready: GET /api/system/installation/state answers
    CORE_STATE_RUNNING (BlueMind: parent/system/net.bluemind.system.api/src/net/bluemind/system/api/
    IInstallation.java getSystemState, SystemState.java), asked without a key (bm_core_state). Any
    HTTP answer is not readiness. Starting, stopping or unknown: wait; maintenance, upgrade,
    cloning or not installed: the target needs an operator, fail at once. CORE_STATE_DEMOTED too:
    a demoted core is read-only, not the leader of its installation (SystemState.java,
    parent/system/net.bluemind.system.state/src/net/bluemind/system/state/DemoteState.java,
    parent/core/net.bluemind.core.container.service/src/net/bluemind/core/container/service/
    internal/ReadOnlyMode.java): it does not become RUNNING by waiting. -#}
{% include "templates/lib/core-api.sh" %}
wait_secs={{ core_start_timeout_secs }}
case "$wait_secs" in *[!0-9]*|'') echo "core_start_timeout_secs must be a number of seconds" >&2; exit 2 ;; esac
deadline=$(( $(date +%s) + wait_secs ))
state=
while :; do
  state=$(bm_core_state 2>/dev/null) || state=
  case "$state" in
    CORE_STATE_RUNNING) echo "the BlueMind core runs ($state)"; exit 0 ;;
    CORE_STATE_MAINTENANCE|CORE_STATE_UPGRADE|CORE_STATE_CLONING|CORE_STATE_NOT_INSTALLED)
      echo "the BlueMind core is in $state, not running: finish that first (admin console / bm-cli)" >&2; exit 1 ;;
    CORE_STATE_DEMOTED)
      echo "the BlueMind core is in $state: read-only, not the leader of its installation (another core leads it); it will not run by waiting: find which server leads and why this one was demoted" >&2; exit 1 ;;
  esac
  [ "$(date +%s)" -lt "$deadline" ] || { echo "the BlueMind core was not running within $wait_secs s (last state: ${state:-no answer})" >&2; exit 1; }
  sleep 1
done

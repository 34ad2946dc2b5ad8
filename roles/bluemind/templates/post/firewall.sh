{#- Console: Security > Firewall (regenerate the firewall rules). 4.x: POST
    /api/system/security/_updatefirewallrules (ISecurityMgmt.java). 5.x (BM-19583, May 2023): the
    call moved to the internal API, POST /internal-api/system/firewall/_updatefirewallrules
    (BlueMind: parent/system/net.bluemind.system.api/src/net/bluemind/system/api/
    IInternalFirewallMgmt.java), `bm-cli maintenance update-fw` runs it and exits 0 even when the
    task failed, printing "Cannot update firewall rules ..." (parent/cli/net.bluemind.cli.adm/src/
    net/bluemind/cli/adm/UpdateFirewallCommand.java): its output is what says. On 5.x the console's
    Save regenerates the rules only when the extra-IP list changed (FwAdditionalIPsHook.java).
    Neither an exit code nor the task's end state proves the rules: RulesUpdater.java
    (parent/system/net.bluemind.system.iptables/src/net/bluemind/system/iptables/tools/) catches
    each server's write failure, logs "Host X failed updated" and the task still ends in Success.
    So the task's log is read (bm-cli prints it, Tasks.java; the REST way, ITask.java
    getCurrentLogs), then the host: the rules' script BmIptablesRules.java writes,
    /etc/init.d/bm-iptables (IptablesPath.java), must allow every t_server.ip (its bmHosts line,
    templates/bm-iptables), and where iptables is installed the chain it loads, bmhosts, must
    accept each of them. -#}
{% include "templates/lib/core-api.sh" %}
{% include "templates/lib/bm-ini.sh" %}
script=/etc/init.d/bm-iptables
since=$(mktemp)
trap 'rm -f -- "$since"' EXIT
sleep 0.01 # the task's writes must be newer than this mark, even on a coarse clock
bmf_fw_log_says() {
  # The task's log: a server whose write failed is named there, and only there.
  local failed
  failed=$(printf '%s\n' "$1" | grep -o 'Host [^ ]* failed updated' || true)
  [ -z "$failed" ] || { printf 'the firewall task ended without writing the rules on every server: %s\n' "${failed//$'\n'/, }" >&2; exit 1; }
}
bmf_fw_proven() {
  # The rules are on this host: the script was written by this run and allows every server.
  local ips hosts ip rules
  ips=$(bm_pg -d {{ databases | first }} -At -c "SELECT DISTINCT ip FROM t_server WHERE ip IS NOT NULL AND ip <> '' ORDER BY 1") ||
    { echo "cannot read t_server: which servers the rules must allow is unknown" >&2; exit 1; }
  { [ -f "$script" ] && [ "$script" -nt "$since" ]; } ||
    { echo "$script was not rewritten by the firewall task: the rules on this host are not the new ones" >&2; exit 1; }
  hosts=$(sed -n 's/^bmHosts="\(.*\)"$/\1/p' "$script" | tr ' ' '\n')
  for ip in $ips; do
    grep -qxF -- "$ip" <<<"$hosts" || { echo "$script does not allow server $ip (bmHosts: ${hosts//$'\n'/ })" >&2; exit 1; }
  done
  if command -v iptables >/dev/null; then
    rules=$(iptables -w 10 -S bmhosts 2>&1) || { echo "the bmhosts chain is not loaded: $rules" >&2; exit 1; }
    for ip in $ips; do
      grep -qE -- "-A bmhosts -s ${ip//./\\.}(/32)? -j ACCEPT" <<<"$rules" || { echo "the loaded bmhosts chain does not accept server $ip" >&2; exit 1; }
    done
    echo "firewall: rules written and loaded for: ${ips//$'\n'/ }"
  else
    echo "firewall: rules written for: ${ips//$'\n'/ } (no iptables command here to read the loaded chain)"
  fi
}
if bm_version_at_least 5 0; then
  how="run: bm-cli maintenance update-fw (on 5.x the console's Security > Firewall > Save acts only when the extra IPs changed)"
  if command -v bm-cli >/dev/null; then
    out=$(bm-cli maintenance update-fw 2>&1) && rc=0 || rc=$?
    printf '%s\n' "$out"
    bmf_fw_log_says "$out"
    case "$out" in
      *"Cannot update firewall rules"*) echo "the firewall task failed on the target" >&2; exit 1 ;;
      *"Firewall rules updated"*) [ "$rc" = 0 ] && { bmf_fw_proven; exit 0; } ;;
    esac
    echo "bm-cli maintenance update-fw did not confirm (exit $rc): trying the REST API" >&2
  fi
  path=/internal-api/system/firewall/_updatefirewallrules
else
  how="Admin console > Security > Firewall > Save"
  path=/api/system/security/_updatefirewallrules
fi
bm_api_task POST "$path" && rc=0 || rc=$?
[ "$rc" = 4 ] && exit 1
[ "$rc" = 0 ] || manual "regenerate the firewall rules: $how"
log=$(bm_task_logs "$bm_task_id") || manual "read the firewall task's log (GET /api/tasks/$bm_task_id/_currentLogs failed), then: $how"
printf '%s\n' "$log"
bmf_fw_log_says "$log"
bmf_fw_proven

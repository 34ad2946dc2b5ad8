{#- Console: Security > Firewall (regenerate the firewall rules). 4.x: POST
    /api/system/security/_updatefirewallrules (ISecurityMgmt.java). 5.x (BM-19583, May 2023): the
    call moved to the internal API, POST /internal-api/system/firewall/_updatefirewallrules
    (BlueMind: parent/system/net.bluemind.system.api/src/net/bluemind/system/api/
    IInternalFirewallMgmt.java), `bm-cli maintenance update-fw` runs it and exits 0 even when the
    task failed, printing "Cannot update firewall rules ..." (parent/cli/net.bluemind.cli.adm/src/
    net/bluemind/cli/adm/UpdateFirewallCommand.java): its output is what says. On 5.x the console's
    Save regenerates the rules only when the extra-IP list changed (FwAdditionalIPsHook.java). -#}
{% include "templates/lib/core-api.sh" %}
if bm_version_at_least 5 0; then
  how="run: bm-cli maintenance update-fw (on 5.x the console's Security > Firewall > Save acts only when the extra IPs changed)"
  if command -v bm-cli >/dev/null; then
    out=$(bm-cli maintenance update-fw 2>&1) && rc=0 || rc=$?
    printf '%s\n' "$out"
    case "$out" in
      *"Cannot update firewall rules"*) echo "the firewall task failed on the target" >&2; exit 1 ;;
      *"Firewall rules updated"*) [ "$rc" = 0 ] && exit 0 ;;
    esac
    echo "bm-cli maintenance update-fw did not confirm (exit $rc): trying the REST API" >&2
  fi
  bm_api_task POST /internal-api/system/firewall/_updatefirewallrules && exit 0 || rc=$?
  [ "$rc" = 4 ] && exit 1
  manual "regenerate the firewall rules: $how"
else
  bm_api_task POST /api/system/security/_updatefirewallrules && exit 0 || rc=$?
  [ "$rc" = 4 ] && exit 1
  manual "regenerate the firewall rules: Admin console > Security > Firewall > Save"
fi

{#- 5.x with Keycloak (bm-keycloak, part of bm-full since mid-2023, a realm per domain): realign
    each domain's Keycloak realm and client with the server it now runs on, global.virt
    included (BlueMind's clone restore re-initialises global.virt's realm too: parent/core/
    net.bluemind.core.backup.continuous.clone/src/net/bluemind/core/backup/continuous/restore/
    orphans/RestoreDomains.java), with the maintenance operation "domain.keycloak" (parent/keycloak/
    net.bluemind.keycloak.service/src/net/bluemind/keycloak/internal/KeycloakRealmRepairSupport.java:
    the realm's client against the domain's OPENID_CLIENT_SECRET, re-created when they differ),
    run by `bm-cli maintenance repair <domain> --ops domain.keycloak` (parent/cli/net.bluemind.cli.adm/
    src/net/bluemind/cli/adm/RepairCommand.java). Domains: GET /api/domains (IDomains.java all()).
    bm-cli's exit code proves nothing: a repair task that failed prints "Failed to repair entry"
    and the command exits 0 (CliRepair.java, parent/cli/net.bluemind.cli.utils/src/net/bluemind/
    cli/utils/Tasks.java follow), and an operation no entry offers is skipped, exit 0
    (SingleOrDomainOperation.java). The proof is the repair's own log line for the domain:
    "Keycloak configuration don't need repair" or "Reset keycloak configuration" (KeycloakRepairImpl). -#}
{% include "templates/lib/core-api.sh" %}
if ! bm_version_at_least 5 0 || ! dpkg-query -W -f='${Status}' bm-keycloak 2>/dev/null | grep -q 'ok installed'; then
  echo "no Keycloak on this server (BlueMind < 5 or bm-keycloak not installed): nothing to do"
  exit 0
fi
how="for each domain, global.virt included: bm-cli maintenance repair DOMAIN --ops domain.keycloak, and read its output"
command -v bm-cli >/dev/null || manual "realign Keycloak ($how; bm-cli is not installed)"
command -v python3 >/dev/null || manual "realign Keycloak ($how; no python3 to read the domain list)"
domains=$(bm_api GET /api/domains | python3 -c 'import json, sys
for d in json.load(sys.stdin):
    if d.get("uid"):
        print(d["uid"])') || manual "realign Keycloak ($how; the domain list could not be read)"
failed=
done_list=
while IFS= read -r d; do
  [ -n "$d" ] || continue
  # one argument, never an option (a domain name cannot start with "-")
  case "$d" in -*) failed="$failed $d"; continue ;; esac
  out=$(bm-cli maintenance repair "$d" --ops domain.keycloak 2>&1) && rc=0 || rc=$?
  printf '%s\n' "$out"
  case "$out" in
    *"Failed to repair entry"* | *"Error handling"*) failed="$failed $d" ;;
    *"Keycloak configuration don't need repair for domain: $d"* | *"Reset keycloak configuration for domain: $d"*)
      if [ "$rc" = 0 ]; then done_list="$done_list $d"; else failed="$failed $d"; fi ;;
    *) failed="$failed $d (no Keycloak repair reported, exit $rc)" ;;
  esac
done <<DOMAINS
$domains
DOMAINS
[ -z "$failed" ] || manual "realign Keycloak for:$failed (bm-cli maintenance repair DOMAIN --ops domain.keycloak; its output must say the domain's Keycloak configuration was checked or reset)"
echo "Keycloak realigned for:${done_list:- no domain}"

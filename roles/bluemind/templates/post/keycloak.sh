{#- 5.x with Keycloak (bm-keycloak, part of bm-full since mid-2023, a realm per domain): realign
    each domain's Keycloak client with the server it now runs on, with the maintenance operation
    "domain.keycloak" (BlueMind: parent/keycloak/net.bluemind.keycloak.service/src/net/bluemind/
    keycloak/internal/KeycloakRealmRepairSupport.java), run by `bm-cli maintenance repair <domain>
    --ops domain.keycloak` (parent/cli/net.bluemind.cli.adm/src/net/bluemind/cli/adm/
    RepairCommand.java). Domains: GET /api/domains (IDomains.java all()). -#}
{% include "templates/lib/core-api.sh" %}
if ! bm_version_at_least 5 0 || ! dpkg-query -W -f='${Status}' bm-keycloak 2>/dev/null | grep -q 'ok installed'; then
  echo "no Keycloak on this server (BlueMind < 5 or bm-keycloak not installed): nothing to do"
  exit 0
fi
how="for each domain: bm-cli maintenance repair DOMAIN --ops domain.keycloak"
command -v bm-cli >/dev/null || manual "realign Keycloak ($how; bm-cli is not installed)"
command -v python3 >/dev/null || manual "realign Keycloak ($how; no python3 to read the domain list)"
domains=$(bm_api GET /api/domains | python3 -c 'import json, sys
for d in json.load(sys.stdin):
    if d.get("uid") and d["uid"] != "global.virt":
        print(d["uid"])') || manual "realign Keycloak ($how; the domain list could not be read)"
failed=
done_list=
while IFS= read -r d; do
  [ -n "$d" ] || continue
  # one argument, never an option (a domain name cannot start with "-")
  case "$d" in -*) failed="$failed $d"; continue ;; esac
  if bm-cli maintenance repair "$d" --ops domain.keycloak; then done_list="$done_list $d"; else failed="$failed $d"; fi
done <<DOMAINS
$domains
DOMAINS
[ -z "$failed" ] || manual "realign Keycloak for:$failed (bm-cli maintenance repair DOMAIN --ops domain.keycloak)"
echo "Keycloak realigned for:${done_list:- no domain}"

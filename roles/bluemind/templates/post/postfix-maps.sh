{#- Console: System > Mail maintenance > Execute (rebuild the postfix maps). The call, POST
    /api/system/maildelivery/mgmt/_repair, only publishes "postfix.map.dirty" and its task ends
    in Success at once (BlueMind: parent/system/net.bluemind.system.service/src/net/bluemind/system/
    service/internal/PostfixMgmt.java repair(); parent/mailbackend/net.bluemind.backend.postfix/src/
    net/bluemind/backend/postfix/internal/maps/events/DirtyMapEvent.java); the maps are written
    later by the map updater (PostfixMapUpdater.java). The proof is the file: virtual_domains-flat
    rewritten after the call, with "<domain> OK" for every domain and alias of the directory
    (generators/VirtualDomainsMap.java, PostfixPaths.java), within proof_timeout_secs. -#}
{% include "templates/lib/core-api.sh" %}
flat=/etc/postfix/virtual_domains-flat
how="rebuild the postfix maps: Admin console > System > Mail maintenance > Execute, then check that $flat lists every domain"
wait_secs={{ proof_timeout_secs }}
case "$wait_secs" in *[!0-9]* | '') echo "proof_timeout_secs must be a number of seconds" >&2; exit 2 ;; esac
command -v python3 >/dev/null || manual "$how (no python3 here to read the domain list)"
expected=$(bm_api GET /api/domains | python3 -c 'import json, sys
for d in json.load(sys.stdin):
    v = d.get("value") or {}
    for n in [v.get("name") or d.get("uid")] + list(v.get("aliases") or []):
        if n:
            print(n)') || manual "$how (the domain list could not be read)"
since=$(mktemp)
trap 'rm -f -- "$since"' EXIT
sleep 0.01 # the rebuild's write must be newer than this mark, even on a coarse clock
bm_api_task POST /api/system/maildelivery/mgmt/_repair '{}' || manual "$how"
deadline=$(( $(date +%s) + wait_secs ))
missing=
while :; do
  if [ -f "$flat" ] && [ "$flat" -nt "$since" ]; then
    missing=$(while IFS= read -r d; do grep -qxF -- "$d OK" "$flat" || printf '%s ' "$d"; done <<<"$expected")
    [ -n "$missing" ] || { echo "postfix maps rebuilt: $flat lists the $(grep -c . <<<"$expected") domains and aliases"; exit 0; }
  fi
  [ "$(date +%s)" -lt "$deadline" ] || break
  sleep 1
done
if [ -n "$missing" ]; then
  manual "the postfix maps were rebuilt but $flat lacks: ${missing% }; $how"
fi
manual "the postfix maps were not rebuilt within $wait_secs s (the call only requests it; $flat is unchanged); $how"

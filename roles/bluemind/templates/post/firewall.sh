{#- Console: Security > Firewall > Save (regenerate the firewall rules). -#}
{% include "templates/lib/core-api.sh" %}
if bm_version_at_least 5 0 && command -v bm-cli >/dev/null; then
  bm-cli maintenance update-fw
elif bm_version_at_least 5 0; then
  bm_api_task POST /api/system/firewall/_updatefirewallrules || manual "regenerate the firewall rules: Admin console > Security > Firewall > Save"
else
  bm_api_task POST /api/system/security/_updatefirewallrules || manual "regenerate the firewall rules: Admin console > Security > Firewall > Save"
fi

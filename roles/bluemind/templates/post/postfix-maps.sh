{#- Console: System > Mail maintenance > Execute (rebuild the postfix maps). -#}
{% include "templates/lib/core-api.sh" %}
bm_api_task POST /api/system/maildelivery/mgmt/_repair '{}' \
  || manual "rebuild the postfix maps: Admin console > System > Mail maintenance > Execute"

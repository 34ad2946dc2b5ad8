{#- The downtime starts here. Idempotent: stopping what is stopped succeeds. -#}
{% include "templates/lib/services.sh" %}
bmctl stop
bm_postfix stop
echo "BlueMind and postfix stopped"

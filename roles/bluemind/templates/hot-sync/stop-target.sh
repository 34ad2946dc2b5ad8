{#- BlueMind and postfix must not run on a half-copied target. -#}
{% include "templates/lib/services.sh" %}
bmctl stop
bm_postfix stop
echo "BlueMind and postfix stopped on the target"

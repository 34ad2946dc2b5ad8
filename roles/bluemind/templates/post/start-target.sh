{#- The downtime ends here: the target serves. -#}
{% include "templates/lib/services.sh" %}
bm_postfix start
bmctl start
echo "postfix and BlueMind started on the target"

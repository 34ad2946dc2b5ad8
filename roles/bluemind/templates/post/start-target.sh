{#- The downtime ends here: the target serves. BlueMind first, postfix last: postfix hands mail to
    BlueMind (lmtp, milter), so it must not accept mail before BlueMind runs. -#}
{% include "templates/lib/services.sh" %}
bmctl start
bm_postfix start
echo "BlueMind and postfix started on the target"

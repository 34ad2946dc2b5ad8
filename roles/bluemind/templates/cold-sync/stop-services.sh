{#- The downtime starts here, on the origin. Idempotent: stopping what is stopped succeeds. The
    origin's record must say it is this pair's origin and not retired (a retired origin's data
    is older than its live target's: it is never a sync source again); it moves to `frozen`. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/services.sh" %}
bmf_state_guard origin sync {{ origin_hostkey_pub }} {{ target_hostkey_pub }}
bmf_state_set stage=frozen
# postfix first, BlueMind last (the mirror of post/start-target.sh): postfix hands mail to BlueMind
# (LMTP), so once BlueMind is stopped, whatever postfix still accepts stays in the origin's postfix
# queue, which is not migrated (the mail campaign test, tests/fleet_mail.rs, lost such mail).
bm_postfix stop
bmctl stop
echo "BlueMind and postfix stopped"

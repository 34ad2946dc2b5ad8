{#- Rollback, on the target: make sure BlueMind and postfix are stopped before the origin serves
    again (two servers answering for one domain would split its mail). The target was stopped by
    the cold sync and nothing before the point of no return starts it: this is idempotent. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/services.sh" %}
{% include "templates/rollback/lib.sh" %}
# Never a live target (its record says so); the cold sync it holds is stale once the origin
# serves again: unverified, so the post phase refuses it until a new cold sync.
bmf_state_guard target sync {{ target_hostkey_pub }} {{ origin_hostkey_pub }}
bmf_state_set verified=no
bmf_state_unlock
bmctl stop
bm_postfix stop
if bmf_systemd; then
  systemctl stop postfix@-.service
fi
rb_wait 60 "the target's BlueMind core still answers" rb_core_down
rb_wait 60 "postfix still runs on the target" rb_postfix_stopped
echo "BlueMind and postfix are stopped on the target"

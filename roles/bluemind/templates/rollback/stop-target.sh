{#- Rollback, on the target: make sure BlueMind and postfix are stopped before the origin serves
    again (two servers answering for one domain would split its mail). The target was stopped by
    the cold sync and nothing before the point of no return starts it: this is idempotent. -#}
{% include "templates/lib/services.sh" %}
{% include "templates/rollback/lib.sh" %}
bmctl stop
bm_postfix stop
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  systemctl stop postfix@-.service
fi
rb_wait 60 "the target's BlueMind core still answers" rb_core_down
rb_wait 60 "postfix still runs on the target" rb_postfix_stopped
echo "BlueMind and postfix are stopped on the target"

{#- Rollback, on the origin: serve again, BlueMind first (`bmctl start` starts bluemind.target;
    PostgreSQL was never stopped: ../shared/DOMAIN.md, "Services"), then postfix, so that mail is
    accepted only once the core can store it; then wait until both run. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/services.sh" %}
{% include "templates/rollback/lib.sh" %}
# The origin's own record decides: this pair's origin, not retired (past the point of no return
# its target may be live: two servers must never serve one domain). It goes back to `syncing`.
bmf_state_guard origin sync {{ origin_hostkey_pub }} {{ target_hostkey_pub }}
bmf_state_set stage=syncing
bmf_state_unlock
wait_secs={{ core_start_timeout_secs }}
case "$wait_secs" in *[!0-9]*|'') echo "core_start_timeout_secs must be a number of seconds" >&2; exit 2 ;; esac
bmctl start
rb_wait "$wait_secs" "the origin's BlueMind core does not answer" rb_core_answers
bm_postfix start
if bmf_systemd; then
  systemctl start postfix@-.service
fi
rb_wait 60 "postfix does not run on the origin" rb_postfix_running
echo "the origin serves again: BlueMind and postfix run"

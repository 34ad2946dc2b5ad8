{#- Shared by the rollback steps: is postfix running, is the core answering.
    postfix on Debian/Ubuntu runs as the instance `postfix@-.service`; `postfix.service` is a
    placeholder whose state says nothing (../shared/DOMAIN.md, "Services"), so where systemd runs
    (templates/lib/services.sh decides) the instance is asked; elsewhere the init script's LSB
    `status` (exit 0 = running). `bmctl
    status` proves nothing about "up" (it exits 0 when everything is stopped, DOMAIN.md), so the
    core is judged by its HTTP port answering, as templates/post/wait-core.sh does. -#}
rb_postfix_running() {
  if bmf_systemd; then
    systemctl is-active --quiet postfix@-.service
  else
    bmf_service status postfix >/dev/null 2>&1
  fi
}
rb_core_answers() {
  curl -s -o /dev/null --max-time 5 -- {{ core_url }}/api/system/installation/version
}
rb_core_down() { ! rb_core_answers; }
rb_postfix_stopped() { ! rb_postfix_running; }
rb_wait() {
  # rb_wait SECONDS WHAT COMMAND...: until COMMAND succeeds, at most SECONDS.
  rb_secs=$1; rb_deadline=$(( $(date +%s) + rb_secs )); rb_what=$2; shift 2
  until "$@"; do
    [ "$(date +%s)" -lt "$rb_deadline" ] || { echo "$rb_what (waited $rb_secs s)" >&2; return 1; }
    sleep 1
  done
}

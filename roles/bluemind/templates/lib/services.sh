{#- The one way every template drives a service (issue 26, item 7). systemd drives them only where
    it is the running init: sd_booted(3) asks whether /run/systemd/system exists, and so do
    Debian's `service` and update-rc.d. A systemctl that is merely installed (a container started
    without systemd) answers "System has not been booted with systemd as init system (PID 1).
    Can't operate.", so `command -v systemctl` alone decides wrong: elsewhere the init script
    drives the service. BlueMind itself goes through its own bmctl (packaging/bm-conf/ROOT/usr/
    bin/bmctl), postfix through postfix.service (Debian's placeholder, which its instance
    postfix@-.service is part of: DOMAIN.md "Services") or its init script. -#}
bmf_systemd() {
  [ -d /run/systemd/system ] && command -v systemctl >/dev/null
}
bmf_service() {
  # bmf_service ACTION NAME [UNIT]: ACTION (start, stop, status) the service NAME, through
  # systemd's UNIT (default: NAME) where systemd runs, else NAME's init script. Exit 5 when the
  # host has no such service here (systemctl's own code for a unit it does not know).
  local action=$1 name=$2 unit=${3:-$2}
  if bmf_systemd; then
    systemctl "$action" "$unit"
  elif [ -x "/etc/init.d/$name" ]; then
    if command -v service >/dev/null; then service "$name" "$action"; else "/etc/init.d/$name" "$action"; fi
  else
    return 5
  fi
}
bmf_service_disable() {
  # bmf_service_disable NAME [UNIT]: NAME does not start at the next boot (best effort: a host
  # without the tool or the service keeps it as it is).
  local name=$1 unit=${2:-$1}
  if bmf_systemd; then
    systemctl disable "$unit" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$name" ] && command -v update-rc.d >/dev/null; then
    update-rc.d "$name" disable >/dev/null 2>&1 || true
  fi
}
bm_postfix() {
  # bm_postfix ACTION: postfix, whatever the init.
  bmf_service "$1" postfix postfix.service
}

{#- Stop or start BlueMind and postfix, whatever the init system (bmctl drives BlueMind on 4.x
    and 5.x; postfix goes through systemctl when systemd runs, else its init script). -#}
bm_postfix() {
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl "$1" postfix.service
  else
    service postfix "$1"
  fi
}

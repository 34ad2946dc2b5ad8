# shellcheck shell=bash
# What the controller and the tests read of a fleet, sourced by tests/fleet/fleet: `exec`, `ssh`,
# `pid`, `hosts`, `status`, `inventory`, and the known_hosts and inventory files `up` writes. Nothing
# here changes a host.
require_host_up() {
  parse_host "$1" || die "unknown host '$1' (expected oNN or tNN)"
  [[ -f $HOSTS_DIR/$H_NAME/host.conf ]] || die "host $H_NAME is not part of the fleet in $FLEET_DIR"
  host_is_up "$H_NAME" || die "host $H_NAME is not up"
}

cmd_exec() {
  # errors of exec itself exit 125 (like env/docker), so that they differ from CMD's own codes
  [[ $# -ge 2 ]] || { warn "error: usage: fleet exec HOST CMD..."; exit 125; }
  load_conf
  local h p
  if [[ $1 == sender ]]; then
    p=$(sender_pid)
    [[ -n $p ]] || { warn "error: no sender host (fleet up N --mail)"; exit 125; }
    shift
    exec nsenter -t "$p" -m -n -u -i --wd=/ -- env PATH="$STD_PATH" HOME=/root "$@"
  fi
  ( require_host_up "$1" ) || exit 125
  parse_host "$1"
  h=$H_NAME; shift
  p=$(holder_pid "$h")
  exec nsenter -t "$p" -m -n -u -i --wd=/ -- env PATH="$STD_PATH" HOME=/root "$@"
}

cmd_ssh() {
  [[ $# -ge 1 ]] || die "usage: fleet ssh HOST [CMD...]"
  load_conf
  require_host_up "$1"
  local h=$H_NAME; shift
  local ip
  ip=$(sed -n 's/^IP=//p' "$HOSTS_DIR/$h/host.conf")
  exec ssh -i "$FLEET_DIR/controller_key" -o IdentitiesOnly=yes -o UserKnownHostsFile="$FLEET_DIR/known_hosts" \
    -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=10 "root@$ip" "$@"
}

cmd_pid() {
  [[ $# -eq 1 ]] || die "usage: fleet pid HOST"
  load_conf
  require_host_up "$1"
  holder_pid "$H_NAME"
}

cmd_hosts() {
  load_conf
  local h
  for h in $(list_hosts_names); do
    # shellcheck disable=SC1090,SC2153
    ( source "$HOSTS_DIR/$h/host.conf"; echo "$HOST $IP $ROLE $PAIR" )
  done
}

cmd_status() {
  load_conf
  if [[ -z $KIND ]]; then
    echo "fleet: nothing up in $FLEET_DIR"
    exit 3
  fi
  local total=0 up=0 h line
  echo "fleet dir:  $FLEET_DIR ($KIND)"
  echo "network:    bridge $BRIDGE $GATEWAY/16, namespaces $NS_PREFIX*"
  for h in $(list_hosts_names); do
    total=$((total + 1))
    # shellcheck disable=SC1090
    line=$( source "$HOSTS_DIR/$h/host.conf"
      p=$(holder_pid "$h")
      if [[ -n $p && -f $HOSTS_DIR/$h/ready ]]; then s="up pid=$p"; else s="DOWN"; fi
      extra=""
      if [[ $KIND == full && -n $p ]]; then
        hd=$HOSTS_DIR/$h
        pg=down; pm=$(head -1 "$hd/postgresql/15/main/postmaster.pid" 2>/dev/null || true)
        [[ -n $pm ]] && pid_alive "$pm" && pg=up
        bm=$(cat "$hd/etc/bmfleet-sim/bluemind.state" 2>/dev/null || echo '?')
        pf=$(cat "$hd/etc/bmfleet-sim/postfix.state" 2>/dev/null || echo '?')
        ver=$(sed -n '/^Package: bm-core$/,/^$/s/^Version: //p' "$hd/dpkg/status")
        extra=" bm-core=$ver pg=$pg bluemind=$bm postfix=$pf"
        [[ -s $hd/knobs ]] && extra+=" knobs=[$(paste -sd, "$hd/knobs")]"
      fi
      echo "$HOST $IP $ROLE $PAIR $s$extra" )
    [[ $line == *" up pid="* ]] && up=$((up + 1))
    echo "  $line"
  done
  echo "hosts up:   $up/$total"
  [[ $total -gt 0 && $up -eq $total ]]
}

cmd_inventory() {
  load_conf
  [[ -n $KIND ]] || die "no fleet in $FLEET_DIR"
  local path=${1:-$FLEET_DIR/inventory.yml}
  [[ $path == /* ]] || path="$(pwd)/$path"
  collect_up_hosts
  write_inventory "$path"
  echo "$path"
}

write_known_hosts() {
  local tmp=$FLEET_DIR/known_hosts.tmp h hd pub t k rest
  : >"$tmp"
  for h in "${UP_HOSTS[@]+"${UP_HOSTS[@]}"}"; do
    hd=$HOSTS_DIR/$h
    if [[ $KIND == light ]]; then pub=$hd/ssh_host_ed25519_key.pub; else pub=$hd/etc/ssh/ssh_host_ed25519_key.pub; fi
    read -r t k rest <"$pub"
    parse_host "$h"
    host_addr_v REPLY "$H_ROLE" "$H_I"
    echo "$REPLY $t $k"
  done >>"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$FLEET_DIR/known_hosts"
}

write_inventory() {
  local path=${1:-$FLEET_DIR/inventory.yml} i n=0 up h
  up=" ${UP_HOSTS[*]+"${UP_HOSTS[*]}"} "
  for h in "${UP_HOSTS[@]+"${UP_HOSTS[@]}"}"; do
    parse_host "$h"; [[ $H_I -gt $n ]] && n=$H_I
  done
  local tmp=$path.tmp.$$
  {
    echo "# bmfleet inventory of the test fleet $FLEET_DIR (written by tests/fleet/fleet)"
    echo "defaults:"
    echo "  user: root"
    echo "  port: 22"
    echo "  identity_file: $FLEET_DIR/controller_key"
    echo "  known_hosts: $FLEET_DIR/known_hosts"
    echo "vars:"
    echo "  cutover_mode: none"
    echo "pairs:"
    local any=0
    local o t oa ta
    for ((i = 1; i <= n; i++)); do
      printf -v o 'o%02d' "$i"; printf -v t 't%02d' "$i"
      [[ $up == *" $o "* && $up == *" $t "* ]] || continue
      any=1
      host_addr_v oa o "$i"; host_addr_v ta t "$i"
      printf '  - name: p%02d\n    wave: 1\n    origin: { host: %s }\n    target: { host: %s }\n' "$i" "$oa" "$ta"
    done
    [[ $any == 1 ]] || echo "  []"
  } >"$tmp"
  mv "$tmp" "$path"
}

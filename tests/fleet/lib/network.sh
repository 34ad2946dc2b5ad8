# shellcheck shell=bash
# A fleet's network, sourced by tests/fleet/fleet: its index (bridge bmfbrK, subnet 10.(77+K)/16,
# namespace and veth prefixes, chosen free of other fleets), the bridge, one namespace and veth per
# host (created in one `ip -batch`, removed the same way), and the machine's neighbour table sized
# for it. Kept apart from the hosts' life cycle because it is what makes fleets of one machine not
# collide: every name here derives from the index.

# choose the index of a new fleet: the bridge name and the subnet must be free
choose_index() {
  local idx tries=0 fixed=0
  idx=$(default_index "$FLEET_DIR")
  [[ $idx -le 1 || -n ${BMFLEET_FLEET_INDEX:-} ]] && fixed=1
  while :; do
    set_index "$idx"
    local alias=""
    if ip link show "$BRIDGE" >/dev/null 2>&1; then
      alias=$(ip -o link show "$BRIDGE" | sed -n 's/.* alias \(.*\)$/\1/p')
      [[ $alias == "bmfleet:$FLEET_DIR" ]] && return 0
    elif ! ip -4 -o addr show | grep -q " inet 10\.$NET2\."; then
      return 0
    fi
    [[ $fixed == 1 ]] && die "bridge $BRIDGE or subnet 10.$NET2.0.0/16 is already used (alias '${alias}'); set BMFLEET_FLEET_INDEX or another BMFLEET_FLEET_DIR"
    tries=$((tries + 1))
    [[ $tries -lt 48 ]] || die "no free fleet index left"
    idx=$((2 + (idx - 2 + 1) % 48))
  done
}

ensure_bridge() {
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    local alias
    alias=$(ip -o link show "$BRIDGE" | sed -n 's/.* alias \(.*\)$/\1/p')
    [[ $alias == "bmfleet:$FLEET_DIR" ]] || die "bridge $BRIDGE belongs to '$alias', not to $FLEET_DIR"
  else
    ip link add name "$BRIDGE" type bridge forward_delay 0
    ip link set "$BRIDGE" alias "bmfleet:$FLEET_DIR"
    ip addr add "$GATEWAY/16" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
}

# The controller (this machine's root namespace) keeps one neighbour (ARP) entry per host it talks to,
# in a table shared with every other fleet on the machine; the kernel's default hard limit
# (net.ipv4.neigh.default.gc_thresh3 = 1024, GC from 512) leaves hosts unreachable beyond a few
# hundred ("no SSH answer"). Raise the three thresholds, never lower them, and say so.
ensure_neigh_table() {
  local pairs=$1 need t1 t2 t3 n1 n2 n3
  # (the thresholds are the machine's, shown in its own network namespace only: a fleet brought up
  # from another one, as tests/fleet/race-check does, cannot change them)
  [[ -e /proc/sys/net/ipv4/neigh/default/gc_thresh3 ]] || return 0
  need=$(( 2 * pairs + 256 ))   # this fleet's hosts, plus room for the other fleets and the LAN
  t1=$(sysctl -n net.ipv4.neigh.default.gc_thresh1) t2=$(sysctl -n net.ipv4.neigh.default.gc_thresh2)
  t3=$(sysctl -n net.ipv4.neigh.default.gc_thresh3)
  [[ $t2 -lt $need || $t3 -lt $((2 * need)) ]] || return 0
  n1=$(( t1 > need / 2 ? t1 : need / 2 )) n2=$(( t2 > need ? t2 : need )) n3=$(( t3 > 2 * need ? t3 : 2 * need ))
  [[ $n1 != "$t1" || $n2 != "$t2" || $n3 != "$t3" ]] || return 0
  sysctl -q -w net.ipv4.neigh.default.gc_thresh1="$n1" net.ipv4.neigh.default.gc_thresh2="$n2" \
    net.ipv4.neigh.default.gc_thresh3="$n3" || die "cannot raise the neighbour table (sysctl net.ipv4.neigh.default.gc_thresh*)"
  echo "fleet: raised the kernel's neighbour table for $((2 * pairs)) hosts: net.ipv4.neigh.default.gc_thresh1/2/3 $t1/$t2/$t3 -> $n1/$n2/$n3 (machine-wide, until reboot)" >&2
}

# create_host_links HOST...: every host's namespace and veth (root side enslaved to the bridge, eth0
# inside) in one `ip -batch` (one process for hundreds of hosts)
create_host_links() {
  local batch=$CACHE_DIR/ip-batch.$$ h
  : >"$batch"
  for h in "$@"; do
    printf 'netns add %s\nlink add %s type veth peer name eth0 netns %s\nlink set %s master %s up\n' \
      "$NS_PREFIX$h" "$VETH_PREFIX$h" "$NS_PREFIX$h" "$VETH_PREFIX$h" "$BRIDGE" >>"$batch"
  done
  ip -batch "$batch" || { rm -f "$batch"; die "creating namespaces/links failed"; }
  rm -f "$batch"
}

# remove_fleet_network "NS..." : the fleet's namespaces, its root-side veths and its bridge (only when
# it carries this fleet's alias or none)
remove_fleet_network() {
  local nslist=$1
  if [[ -n $nslist ]]; then
    # shellcheck disable=SC2086
    printf 'netns del %s\n' $nslist | ip -force -batch - 2>/dev/null || true
  fi
  local links
  links=$(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E "^${VETH_PREFIX}[ot][0-9]+$" || true)
  if [[ -n $links ]]; then
    # shellcheck disable=SC2086
    printf 'link del %s\n' $links | ip -force -batch - 2>/dev/null || true
  fi
  if ip link show "$BRIDGE" >/dev/null 2>&1; then
    local alias
    alias=$(ip -o link show "$BRIDGE" | sed -n 's/.* alias \(.*\)$/\1/p')
    if [[ -z $alias || $alias == "bmfleet:$FLEET_DIR" ]]; then
      ip link del "$BRIDGE" 2>/dev/null || true
    fi
  fi
}

# shellcheck shell=bash
# Shared helpers of the bmfleet test fleet. Sourced by tests/fleet/fleet, populate, mutate, verify.
# Never executed directly.

# shellcheck disable=SC2034  # used by the scripts that source this file
FLEET_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FLEET_HOME="$(dirname "$FLEET_LIB")"
PGBIN=/usr/lib/postgresql/15/bin
STD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
DEFAULT_FLEET_DIR=/var/lib/bmfleet-fleet
DEFAULT_BM_VERSION=5.3.2
# Mount points that must exist on the real machine for the per-host bind mounts (created on demand,
# removed by `down` when they are empty and no fleet is left).
EXTRA_MOUNTPOINTS=(/var/lib/cyrus /var/lib/bm-ca /usr/share/bm-elasticsearch /var/lib/bmfleet)

die() { echo "fleet: error: $*" >&2; exit 1; }
warn() { echo "fleet: $*" >&2; }
now_ms() { date +%s%3N; }
t0=$(date +%s%3N)
dbg() { [[ -z ${BMFLEET_DEBUG:-} ]] || echo "fleet: +$(( $(now_ms) - t0 )) ms $*" >&2; }

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root (network namespaces, bind mounts)"; }

# resolve_dir LIGHT(0|1) [EXPLICIT_DIR] -> sets FLEET_DIR
# --dir beats everything; otherwise BASE = $BMFLEET_FLEET_DIR or the default, and --light selects
# BASE-light, so one environment variable places both a full and a light fleet.
resolve_dir() {
  local light=$1 explicit=${2:-}
  if [[ -n $explicit ]]; then FLEET_DIR=$explicit
  else
    local base=${BMFLEET_FLEET_DIR:-$DEFAULT_FLEET_DIR}
    base=${base%/}
    if [[ $light == 1 ]]; then FLEET_DIR=$base-light; else FLEET_DIR=$base; fi
  fi
  [[ $FLEET_DIR == /* ]] || FLEET_DIR="$(pwd)/$FLEET_DIR"
  FLEET_DIR=${FLEET_DIR%/}
  case "$FLEET_DIR/" in
    /etc/*|/root/*|/tmp/*|/run/*|/var/spool/*|/var/lib/cyrus/*|/var/lib/bm-ca/*|/var/lib/postgresql/*|\
    /usr/share/bm-elasticsearch/*|/var/log/*|/var/tmp/*|/usr/local/sbin/*|/dev/*|/proc/*|/sys/*)
      die "fleet dir $FLEET_DIR lies under a path that hosts bind-mount over; choose another (e.g. /var/lib/...)";;
  esac
}

# default_index DIR -> the fleet index (bridge bmfbrK, subnet 10.(77+K)/16, namespace prefix bmfK-)
default_index() {
  local d=$1
  if [[ -n ${BMFLEET_FLEET_INDEX:-} ]]; then echo "$BMFLEET_FLEET_INDEX"; return; fi
  case "$d" in
    "$DEFAULT_FLEET_DIR") echo 0;;
    "$DEFAULT_FLEET_DIR-light") echo 1;;
    *) local c; c=$(printf '%s' "$d" | cksum | cut -d' ' -f1); echo $((2 + c % 48));;
  esac
}

# set_index K -> derived names
set_index() {
  FLEET_INDEX=$1
  BRIDGE=bmfbr$FLEET_INDEX
  NET2=$((77 + FLEET_INDEX))
  NS_PREFIX=bmf$FLEET_INDEX-
  VETH_PREFIX=bmf${FLEET_INDEX}
  GATEWAY=10.$NET2.0.1
}

# load_conf: reads $FLEET_DIR/fleet.conf when present; sets KIND (full|light|"") and the index names.
load_conf() {
  KIND=""
  FLEET_N=0
  if [[ -f $FLEET_DIR/fleet.conf ]]; then
    # shellcheck disable=SC1091
    source "$FLEET_DIR/fleet.conf"
    set_index "$FLEET_INDEX"
  else
    set_index "$(default_index "$FLEET_DIR")"
  fi
  HOSTS_DIR=$FLEET_DIR/hosts
  CACHE_DIR=$FLEET_DIR/cache
  BIN_DIR=$FLEET_DIR/bin
}


# name helpers: hostname for role (o|t) and index
host_name() { printf '%s%02d' "$1" "$2"; }
pair_name() { printf 'p%02d' "$1"; }

# host_addr ROLE(o|t) I -> 10.S.(1|2 + 2q).r  with q=(I-1)/250, r=(I-1)%250+1
host_addr() { host_addr_v REPLY "$@"; echo "$REPLY"; }
host_addr_v() {
  local -n _out=$1
  local role=$2 i=$3 q r off
  q=$(( (i - 1) / 250 )); r=$(( (i - 1) % 250 + 1 ))
  if [[ $role == o ]]; then off=1; else off=2; fi
  _out="10.$NET2.$((off + 2 * q)).$r"
}

# parse_host NAME -> sets H_ROLE (o|t) H_I (int); accepts o01, t7, o100
parse_host() {
  local n=$1
  [[ $n =~ ^([ot])0*([0-9]+)$ ]] || return 1
  H_ROLE=${BASH_REMATCH[1]}
  H_I=$((10#${BASH_REMATCH[2]}))
  [[ $H_I -ge 1 ]] || return 1
  printf -v H_NAME "%s%02d" "$H_ROLE" "$H_I"
}

# resolve_hosts ARGS... -> prints canonical host names; accepts o01/t01, pair names p01 (both hosts),
# and "all"
resolve_hosts() {
  local a
  for a in "$@"; do
    if [[ $a == all ]]; then
      list_hosts_up_names; continue
    fi
    if [[ $a =~ ^p0*([0-9]+)$ ]]; then
      local i=$((10#${BASH_REMATCH[1]}))
      host_name o "$i"; echo; host_name t "$i"; echo
      continue
    fi
    parse_host "$a" || die "unknown host '$a' (expected oNN, tNN or pNN)"
    echo "$H_NAME"
  done
}

host_dir() { echo "$HOSTS_DIR/$1"; }

# holder pid of a host if alive, else empty
holder_pid() {
  local f=$HOSTS_DIR/$1/holder.pid p
  [[ -f $f ]] || return 0
  read -r p <"$f" || true
  [[ -n $p && -d /proc/$p ]] || return 0
  # the holder must still be in the host's namespace (pid reuse guard); -ef: same device and inode
  [[ /proc/$p/ns/net -ef /run/netns/$NS_PREFIX$1 ]] || return 0
  echo "$p"
}

# host_conf_get HOST KEY: a value of the host's host.conf (no subshell)
host_conf_get() {
  local line
  while IFS= read -r line; do
    if [[ $line == "$2="* ]]; then
      line=${line#*=}
      # values are written with printf %q; the keys read this way never need unquoting beyond \
      echo "${line//\\/}"
      return 0
    fi
  done <"$HOSTS_DIR/$1/host.conf"
}

# UP_HOSTS=(names of the hosts that are up), without a subshell per host
collect_up_hosts() {
  UP_HOSTS=()
  local h p
  for h in $(list_hosts_names); do
    [[ -f $HOSTS_DIR/$h/ready && -f $HOSTS_DIR/$h/holder.pid ]] || continue
    read -r p <"$HOSTS_DIR/$h/holder.pid" || continue
    [[ -n $p && /proc/$p/ns/net -ef /run/netns/$NS_PREFIX$h ]] || continue
    UP_HOSTS+=("$h")
  done
}

host_is_up() { [[ -n $(holder_pid "$1") && -f $HOSTS_DIR/$1/ready ]]; }

list_hosts_names() {
  [[ -d $HOSTS_DIR ]] || return 0
  local d
  for d in "$HOSTS_DIR"/*/; do
    [[ -f $d/host.conf ]] || continue
    d=${d%/}
    echo "${d##*/}"
  done | sort -k1.1,1.1 -k1.2n
}

list_hosts_up_names() {
  collect_up_hosts
  [[ ${#UP_HOSTS[@]} -eq 0 ]] || printf '%s\n' "${UP_HOSTS[@]}"
}

# in_host HOST CMD... : run CMD inside the host's namespaces (mount, net, uts, ipc)
in_host() {
  local h=$1; shift
  local p
  p=$(holder_pid "$h")
  [[ -n $p ]] || die "host $h is not up"
  # fds 6, 7 and 8 carry the machine's and the fleet's flocks: never let a daemon started here
  # inherit them
  nsenter -t "$p" -m -n -u -i --wd=/ -- env PATH="$STD_PATH" HOME=/root "$@" 6>&- 7>&- 8>&-
}

# pids of every process in the host's network namespace
netns_pids() { ip netns pids "$1" 2>/dev/null || true; }

# "NS PID" for every process in a network namespace whose name starts with $1 (one pass over /proc)
prefix_netns_pids() {
  local prefix=$1
  compgen -G "/run/netns/$prefix*" >/dev/null || return 0
  { stat -L -c 'N %i %n' /run/netns/"$prefix"* 2>/dev/null || true
    stat -L -c 'P %i %n' /proc/[0-9]*/ns/net 2>/dev/null || true; } |
    awk '$1 == "N" { sub(".*/", "", $3); ns[$2] = $3; next }
         $1 == "P" && ($2 in ns) { split($3, a, "/"); print ns[$2], a[3] }'
}

# a pid is alive when it exists and is not a zombie
pid_alive() {
  local st
  [[ -n $1 ]] || return 1
  { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
  st=${st##*) }
  [[ ${st:0:1} != Z ]]
}

# wait (up to $1 tenths of a second) until the pids are gone from /proc, zombies included: orphans are
# reaped by this machine's PID 1, lazily
wait_reaped() {
  local tenths=$1 i p left; shift
  for ((i = 0; i < tenths; i++)); do
    left=0
    for p in "$@"; do [[ -e /proc/$p ]] && { left=1; break; }; done
    [[ $left == 0 ]] && return 0
    sleep 0.1
  done
  return 0
}

# kill a list of pids: TERM, wait up to $2 tenths of a second, then KILL
kill_pids() {
  local wait_tenths=$1; shift
  [[ $# -gt 0 ]] || return 0
  kill -TERM "$@" 2>/dev/null || true
  local i alive p
  for ((i = 0; i < wait_tenths; i++)); do
    alive=0
    for p in "$@"; do pid_alive "$p" && { alive=1; break; }; done
    [[ $alive == 0 ]] && return 0
    sleep 0.1
  done
  kill -KILL "$@" 2>/dev/null || true
}

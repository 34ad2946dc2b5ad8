# shellcheck shell=bash
# A fleet's hosts coming and going, sourced by tests/fleet/fleet: `up` (fleet directory and its
# tmpfs, fleet.conf, controller key, host.conf of each host, starting init-host.sh in each host's
# namespaces with bounded parallelism and waiting for it) and `down` (PostgreSQL stopped cleanly,
# every process of the fleet's namespaces killed, network and files removed). The network itself is
# network.sh's, the caches caches.sh's, what the machine shares machine.sh's.
write_host_conf() {
  # $1 role(o|t) $2 index
  local role=$1 i=$2 name pair hd ip pw tok
  name=$(host_name "$role" "$i")
  pair=$(pair_name "$i")
  hd=$HOSTS_DIR/$name
  ip=$(host_addr "$role" "$i")
  mkdir -p "$hd"
  chmod 711 "$hd"
  pw=$(random_word 24)
  tok=$(</proc/sys/kernel/random/uuid)
  {
    printf 'HOST=%q\n' "$name"
    printf 'HOST_NAME=%q\n' "bm-$name"
    printf 'ROLE=%q\n' "$([[ $role == o ]] && echo origin || echo target)"
    printf 'PAIR=%q\n' "$pair"
    printf 'PAIR_INDEX=%q\n' "$i"
    printf 'IP=%q\n' "$ip"
    printf 'NS=%q\n' "$NS_PREFIX$name"
    printf 'VETH=%q\n' "$VETH_PREFIX$name"
    printf 'KIND=%q\n' "$KIND"
    printf 'BM_VERSION=%q\n' "$UP_VERSION"
    printf 'EXTERNAL_URL=%q\n' "mail.$pair.example"
    printf 'MAIL_DOMAIN=%q\n' "$pair.example"
    printf 'DB_PASSWORD=%q\n' "$pw"
    printf 'BM_TOKEN=%q\n' "$tok"
    printf 'MAIL=%q\n' "${PROFILE_MAIL:-0}"
  } >"$hd/host.conf"
}

random_word() {
  local alphabet=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 w="" k
  for ((k = 0; k < $1; k++)); do w+=${alphabet:$((SRANDOM % 62)):1}; done
  echo "$w"
}

# remove every trace of one host (processes, namespace, veth, directory)
destroy_host() {
  local h=$1 ns=$NS_PREFIX$1 pids
  [[ -e /run/netns/$ns || -d $HOSTS_DIR/$h || -e /sys/class/net/$VETH_PREFIX$h ]] || return 0
  pids=$(netns_pids "$ns")
  # shellcheck disable=SC2086
  [[ -n $pids ]] && kill_pids 20 $pids
  ip netns del "$ns" 2>/dev/null || true
  ip link del "$VETH_PREFIX$h" 2>/dev/null || true
  rm -rf "${HOSTS_DIR:?}/$h"
}

cmd_up() {
  local n="" light=0 version="" mail=0
  while [[ $# -gt 0 ]]; do
    case $1 in
      --light) light=1;;
      --mail) mail=1;;
      --bm-version) [[ $# -ge 2 ]] || die "--bm-version needs a value"; version=$2; shift;;
      --bm-version=*) version=${1#*=};;
      -h|--help) usage; exit 0;;
      -*) die "up: unknown option $1";;
      *) [[ -z $n ]] || die "up: N given twice"; n=$1;;
    esac
    shift
  done
  [[ $n =~ ^[0-9]+$ && $n -ge 1 ]] || die "up: N must be a positive number (pairs)"
  [[ $LIGHT_OPT == 1 ]] && light=1
  need_root
  [[ $light == 1 && -z $DIR_OPT ]] && resolve_dir 1
  local want_kind=full
  [[ $light == 1 ]] && want_kind=light
  if [[ $want_kind == full && $n -gt 50 ]]; then die "up: at most 50 full pairs (use --light for fan-out)"; fi
  if [[ $n -gt 15000 ]]; then die "up: at most 15000 pairs"; fi
  for tool in ip nsenter unshare setpriv sshd ssh-keygen rsync flock; do
    command -v "$tool" >/dev/null || [[ -x /usr/sbin/$tool ]] || die "missing tool: $tool"
  done
  [[ $want_kind == light || -x $PGBIN/initdb ]] || die "PostgreSQL 15 server binaries not found in $PGBIN"
  if [[ $mail == 1 ]]; then
    [[ $light == 0 ]] || die "up: --mail needs full hosts"
    version=${version:-$MAIL_BM_VERSION}
    mail_check_version "$version"
  fi

  t0=$(now_ms)
  up_fleet_dir "$want_kind" "$version" "$mail"
  up_network_and_caches "$n"
  dbg "caches ready"
  # from the mount points to the hosts that mount them, no `down` of another fleet removes them
  machine_lock shared
  [[ $KIND == full ]] && ensure_mountpoints
  local todo=()
  up_hosts "$n"
  dbg "hosts ready"
  [[ ${PROFILE_MAIL:-0} == 1 ]] && sender_up "$n"
  machine_unlock
  collect_up_hosts
  write_known_hosts
  write_inventory
  dbg "known_hosts and inventory written"
  local total up_count
  total=$(list_hosts_names | wc -l)
  up_count=${#UP_HOSTS[@]}
  echo "fleet: $up_count/$total hosts up ($KIND, ${#todo[@]} started) in $(( $(now_ms) - t0 )) ms; inventory $FLEET_DIR/inventory.yml"
}

# up_fleet_dir KIND VERSION MAIL: the fleet directory (on its tmpfs), its lock (fd 8, held until
# exit), fleet.conf written at the first `up`, the controller key
up_fleet_dir() {
  local want_kind=$1 version=$2 mail=$3
  # a new fleet: check its bridge and subnet before creating anything
  load_conf
  [[ -n $KIND ]] || choose_index
  local created=0
  [[ -d $FLEET_DIR ]] || created=1
  mkdir -p "$FLEET_DIR"
  # the fleet lives on its own tmpfs: fast file creation (ext4 slows down creating inodes right after
  # mass deletions), and `down` removes every file by unmounting it
  if [[ ${BMFLEET_FLEET_TMPFS:-1} == 1 ]] && ! mountpoint -q "$FLEET_DIR"; then
    [[ -z $(ls -A "$FLEET_DIR") ]] || die "$FLEET_DIR is not empty; remove it or set BMFLEET_FLEET_TMPFS=0"
    mount -t tmpfs -o "mode=711,size=${BMFLEET_FLEET_TMPFS_SIZE:-50%}" bmfleet-fleet "$FLEET_DIR"
    created=2
  fi
  if [[ $created != 0 ]]; then
    # failing before the fleet exists must not leave the directory (or its tmpfs) behind
    UP_NEW_DIR=$created
    trap 'if [[ ! -f $FLEET_DIR/fleet.conf ]]; then
            [[ $UP_NEW_DIR == 2 ]] && umount "$FLEET_DIR" 2>/dev/null
            rmdir "$FLEET_DIR" 2>/dev/null; fi' EXIT
  fi
  chmod 711 "$FLEET_DIR"
  exec 8>"$FLEET_DIR/.lock"
  flock 8
  load_conf
  if [[ -n $KIND && $KIND != "$want_kind" ]]; then
    die "$FLEET_DIR holds a $KIND fleet; 'fleet${DIR_OPT:+ --dir $DIR_OPT} down' it first or use another directory"
  fi
  if [[ -z $KIND ]]; then
    choose_index
    KIND=$want_kind
    {
      printf 'FLEET_INDEX=%q\n' "$FLEET_INDEX"
      printf 'KIND=%q\n' "$KIND"
      printf 'FLEET_DIR=%q\n' "$FLEET_DIR"
      printf 'DEFAULT_VERSION=%q\n' "${version:-$DEFAULT_BM_VERSION}"
      printf 'PROFILE_MAIL=%q\n' "$mail"
    } >"$FLEET_DIR/fleet.conf"
    load_conf
  fi
  UP_VERSION=${version:-${DEFAULT_VERSION:-$DEFAULT_BM_VERSION}}
  [[ $mail == 0 || ${PROFILE_MAIL:-0} == 1 ]] || die "$FLEET_DIR is not a mail fleet; 'down' it first or use another directory"
  [[ ${PROFILE_MAIL:-0} == 1 ]] && { mail_check_version "$UP_VERSION"; mail_write_conf; }
  mkdir -p "$HOSTS_DIR" "$CACHE_DIR"
  chmod 711 "$HOSTS_DIR" "$CACHE_DIR"

  # controller key
  if [[ ! -f $FLEET_DIR/controller_key ]]; then
    ssh-keygen -q -t ed25519 -N '' -C "bmfleet-controller@$(hostname)" -f "$FLEET_DIR/controller_key"
  fi
  chmod 600 "$FLEET_DIR/controller_key"
}

# up_network_and_caches N: the bridge, the neighbour table, the caches
up_network_and_caches() {
  ensure_bridge
  ensure_neigh_table "$1"
  if [[ $KIND == full ]]; then
    ensure_locale # at every `up`: the hosts' PostgreSQL needs it at each connection
    build_bin
    [[ -d $CACHE_DIR/etc-base ]] || build_etc_base
    [[ -d $CACHE_DIR/pg-template ]] || build_pg_template
  else
    [[ -f $CACHE_DIR/sshd_config ]] || write_sshd_config "$CACHE_DIR/sshd_config" 0
  fi
}

# up_hosts N: (re)create the hosts of pairs 1..N that are not up (the caller's `todo` gets their
# names); dies, after cleaning up, when some fail
up_hosts() {
  local n=$1 i r h upset
  collect_up_hosts
  upset=" ${UP_HOSTS[*]+"${UP_HOSTS[*]}"} "
  for ((i = 1; i <= n; i++)); do
    for r in o t; do
      printf -v h '%s%02d' "$r" "$i"
      [[ $upset == *" $h "* ]] && continue
      destroy_host "$h"
      todo+=("$h")
    done
  done
  [[ ${#todo[@]} -gt 0 ]] || return 0

  dbg "${#todo[@]} hosts to start"
  for h in "${todo[@]}"; do
    parse_host "$h"
    write_host_conf "$H_ROLE" "$H_I"
  done
  create_host_links "${todo[@]}"
  dbg "namespaces and links created"
  local failed=()
  launch_hosts "${todo[@]}"
  [[ ${#failed[@]} -gt 0 ]] || return 0
  for h in "${failed[@]}"; do
    warn "host $h failed to come up:"
    cat "$HOSTS_DIR/$h/failed" >&2 2>/dev/null || true
    tail -n 15 "$HOSTS_DIR/$h/init.log" >&2 2>/dev/null || true
    cp "$HOSTS_DIR/$h/init.log" "$FLEET_DIR/failed-$h.log" 2>/dev/null || true
    destroy_host "$h"
  done
  collect_up_hosts
  write_known_hosts
  write_inventory
  die "${#failed[@]} host(s) failed to come up (logs kept in $FLEET_DIR/failed-*.log)"
}

# launch_hosts HOST...: start each host's init-host.sh (BMFLEET_UP_PARALLEL at once), wait until each
# is ready, failed or past BMFLEET_UP_TIMEOUT; the caller's `failed` gets the names of those not up
launch_hosts() {
  local todo=("$@") h hd
  local max=${BMFLEET_UP_PARALLEL:-64} pending=()
  local -A upid=()
  local deadline=$(( SECONDS + ${BMFLEET_UP_TIMEOUT:-180} ))
  local idx=0 loops=0
  while :; do
    loops=$((loops + 1))
    # launch while below the bound
    while [[ $idx -lt ${#todo[@]} && ${#pending[@]} -lt $max ]]; do
      h=${todo[$idx]}; idx=$((idx + 1))
      hd=$HOSTS_DIR/$h
      setsid ip netns exec "$NS_PREFIX$h" unshare --mount --uts --ipc --propagation private --fork \
        bash "$FLEET_LIB/init-host.sh" "$FLEET_DIR" "$h" </dev/null >"$hd/init.log" 2>&1 7>&- 8>&- 6>&- &
      upid[$h]=$!
      echo $! >"$hd/unshare.pid"
      pending+=("$h")
    done
    [[ ${#pending[@]} -eq 0 ]] && break
    local still=()
    for h in "${pending[@]}"; do
      hd=$HOSTS_DIR/$h
      if [[ -f $hd/ready ]]; then continue; fi
      if [[ -f $hd/failed ]]; then failed+=("$h"); continue; fi
      if ((loops % 20 == 0)) && ! pid_alive "${upid[$h]}"; then failed+=("$h"); continue; fi
      still+=("$h")
    done
    pending=("${still[@]+"${still[@]}"}")
    if [[ $SECONDS -gt $deadline ]]; then failed+=("${pending[@]}"); pending=(); break; fi
    [[ ${#pending[@]} -gt 0 || $idx -lt ${#todo[@]} ]] && sleep 0.05
  done
}

# down_one: tears down the fleet of $FLEET_DIR (conf may be missing: then the default names are used)
down_one() {
  load_conf
  local nslist
  if [[ ! -f $FLEET_DIR/fleet.conf ]] && ip link show "$BRIDGE" >/dev/null 2>&1; then
    local owner
    owner=$(ip -o link show "$BRIDGE" | sed -n 's/.* alias \(.*\)$/\1/p')
    if [[ -n $owner && $owner != "bmfleet:$FLEET_DIR" ]]; then
      echo "fleet: nothing up in $FLEET_DIR ($BRIDGE and $NS_PREFIX* belong to ${owner#bmfleet:})"
      return 0
    fi
  fi
  nslist=$(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NS_PREFIX" || true)
  stop_fleet_processes "$nslist"
  remove_fleet_network "$nslist"
  remove_fleet_files
  local count; count=$(wc -w <<<"$nslist")
  echo "fleet: $FLEET_DIR down ($count host namespaces removed)"
}

# stop_fleet_processes "NS...": PostgreSQL shut down cleanly first (fast mode: nothing left in shared
# memory), then every process of the fleet's namespaces and the recorded holders
stop_fleet_processes() {
  local nslist=$1 pids=() ns h hd p
  local pms=()
  for ns in $nslist; do
    h=${ns#"$NS_PREFIX"}
    hd=$HOSTS_DIR/$h
    if [[ -f $hd/postgresql/15/main/postmaster.pid ]]; then
      p=$(head -1 "$hd/postgresql/15/main/postmaster.pid")
      if [[ -n $p ]] && pid_alive "$p" && [[ $(stat -L -c %i "/proc/$p/ns/net" 2>/dev/null) == "$(stat -L -c %i "/run/netns/$ns" 2>/dev/null)" ]]; then
        kill -INT "$p" 2>/dev/null && pms+=("$p")
      fi
    fi
  done
  if [[ ${#pms[@]} -gt 0 ]]; then
    local k alive
    for ((k = 0; k < 100; k++)); do
      alive=0
      for p in "${pms[@]}"; do pid_alive "$p" && { alive=1; break; }; done
      [[ $alive == 0 ]] && break
      sleep 0.05
    done
  fi
  # then every process in every namespace of this fleet
  # shellcheck disable=SC2207
  pids+=($(prefix_netns_pids "$NS_PREFIX" | awk '{print $2}'))
  # recorded pids too (a holder whose namespace vanished)
  if [[ -d $HOSTS_DIR ]]; then
    for f in "$HOSTS_DIR"/*/holder.pid "$HOSTS_DIR"/*/unshare.pid; do
      [[ -f $f ]] || continue
      p=$(<"$f")
      [[ -n $p ]] || continue
      if pid_alive "$p" && tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -qE '^(sleep infinity|unshare --mount)'; then
        pids+=("$p")
      fi
    done
  fi
  if [[ ${#pids[@]} -gt 0 ]]; then
    kill_pids 30 "${pids[@]}"
    wait_reaped 50 "${pids[@]}"
  fi
}

# remove_fleet_files: only what the fleet created, then its tmpfs and directory
remove_fleet_files() {
  [[ -d $FLEET_DIR ]] || return 0
  rm -rf "${FLEET_DIR:?}/hosts" "${FLEET_DIR:?}/cache" "${FLEET_DIR:?}/bin" "${FLEET_DIR:?}/bin.tmp" \
    "${FLEET_DIR:?}/sender"
  rm -f "$FLEET_DIR/fleet.conf" "$FLEET_DIR/mail.conf" "$FLEET_DIR/controller_key" "$FLEET_DIR/controller_key.pub" \
    "$FLEET_DIR/known_hosts" "$FLEET_DIR/known_hosts.tmp" "$FLEET_DIR/inventory.yml" \
    "$FLEET_DIR"/failed-*.log "$FLEET_DIR/.lock"
  if mountpoint -q "$FLEET_DIR" && [[ $(findmnt -n -o SOURCE --mountpoint "$FLEET_DIR") == bmfleet-fleet ]]; then
    umount "$FLEET_DIR" 2>/dev/null || umount -l "$FLEET_DIR"
  fi
  rmdir "$FLEET_DIR" 2>/dev/null || true
}

cmd_down() {
  local all=0
  while [[ $# -gt 0 ]]; do
    case $1 in
      --all) all=1;;
      --light) resolve_dir 1 "$DIR_OPT";;
      -h|--help) usage; exit 0;;
      *) die "down: unknown argument $1";;
    esac
    shift
  done
  need_root
  if [[ $all == 1 ]]; then
    local dirs d
    dirs=$( { ip -o link show type bridge 2>/dev/null | sed -n 's/.* alias bmfleet:\(.*\)$/\1/p'
              echo "$DEFAULT_FLEET_DIR"; echo "$DEFAULT_FLEET_DIR-light"
              echo "${BMFLEET_FLEET_DIR:-$DEFAULT_FLEET_DIR}"; echo "${BMFLEET_FLEET_DIR:-$DEFAULT_FLEET_DIR}-light"; } | sort -u)
    while IFS= read -r d; do
      [[ -n $d ]] || continue
      FLEET_DIR=$d
      ( down_one )
    done <<<"$dirs"
  else
    down_one
  fi
  machine_lock exclusive
  remove_mountpoints_if_unused
  release_run_netns
  machine_unlock
}

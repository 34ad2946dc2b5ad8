# shellcheck shell=bash
# `reset HOST|PAIR...`, sourced by tests/fleet/fleet: a full host back to its just-brought-up state
# (knobs undone, its own address only, stray processes killed, PostgreSQL data from the template,
# files from the host's fresh/ snapshot, services started), hosts in parallel. Apart from knobs.sh
# because it undoes all of them at once and is what every fleet test runs first.
reset_host() {
  local h=$1 hd=$HOSTS_DIR/$1 p
  exec 7>"$hd/.lock"; flock 7
  p=$(holder_pid "$h")
  [[ -n $p ]] || { echo "host $h is not up" >&2; return 1; }
  in_host "$h" bmfleet-sim core-stop
  dbg "$h: core stopped"
  reset_mounts_and_network
  reset_kill_strays
  reset_pg_data
  reset_files
  local restart=0
  grep -q '^permit-root' "$hd/knobs" 2>/dev/null && restart=1
  rm -f "$hd/knobs"
  dbg "$h: files restored"
  reset_start_services
}

# the mount and network knobs undone, the host's own address only (reads the caller's h, hd, p)
reset_mounts_and_network() {
  # undo mount knobs
  local m
  for m in /var/spool/cyrus /usr/bin/rsync; do
    while [[ $(host_mounts_at "$p" "$m") -gt 0 ]]; do in_host "$h" umount -l "$m"; done
  done
  undo_no_rsync "$h" "$p"
  # network knobs
  in_host "$h" ip link set eth0 up
  in_host "$h" tc qdisc del dev eth0 root 2>/dev/null || true
  # addresses: a cutover (cutover_mode: ip) moved the origin's address to its target; the origin
  # gets it back, the target drops it; neighbours learn who holds which address again
  local ip
  ip=$(host_conf_get "$h" IP)
  in_host "$h" ip addr flush dev eth0 scope global
  in_host "$h" ip addr add "$ip/16" dev eth0
  ip neigh flush to "$ip" 2>/dev/null || true
  # (in the background: it takes a second and nothing waits for its answer)
  if command -v arping >/dev/null; then in_host "$h" arping -q -c 1 -U -I eth0 "$ip" </dev/null >/dev/null 2>&1 & fi
}

# kill stray processes (ssh sessions, rsync, pg clients...), keep holder, sshd, postmaster+children
reset_kill_strays() {
  local keep sp pm q
  keep=" $p $(<"$hd/unshare.pid") "
  sp=$(cat "$hd/run/sshd.pid" 2>/dev/null || true); keep+="$sp "
  pm=$(head -1 "$hd/postgresql/15/main/postmaster.pid" 2>/dev/null || true)
  local kill_list=()
  for q in $(netns_pids "$NS_PREFIX$h"); do
    [[ $keep == *" $q "* ]] && continue
    if [[ -n $pm ]] && [[ $(awk '{print $4}' "/proc/$q/stat" 2>/dev/null) == "$pm" || $q == "$pm" ]]; then
      # postgres backends of clients are children of the postmaster too: fast stop handles them
      continue
    fi
    kill_list+=("$q")
  done
  [[ ${#kill_list[@]} -gt 0 ]] && kill_pids 20 "${kill_list[@]}"
  dbg "$h: ${#kill_list[@]} stray processes killed"
}

# PostgreSQL: stopped, its data directory back to the template (started again by
# reset_start_services, which adds this host's fresh rows)
reset_pg_data() {
  local pm
  pm=$(head -1 "$hd/postgresql/15/main/postmaster.pid" 2>/dev/null || true)
  if [[ -n $pm ]] && pid_alive "$pm"; then
    in_host "$h" setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/pg_ctl" \
      -D /var/lib/postgresql/15/main -w -m fast stop >/dev/null
  fi
  rm -rf "$hd/postgresql/15/main"
  # what bmfleet's physical method leaves beside it: the target's own cluster set aside, a copy
  # under way, the replication password file (roles/bluemind/templates/physical/)
  rm -rf "$hd/postgresql/15/"main.bmfleet_* "$hd/postgresql/15/"bmfleet_*.pgpass
  cp -a "$CACHE_DIR/pg-template" "$hd/postgresql/15/main"
  dbg "$h: postgresql data restored"
}

# files from the host's fresh/ snapshot, the dpkg status, the layout of its version, empty temp dirs
reset_files() {
  local d
  for d in etc root bm-ca es spool lib-cyrus; do
    # --checksum: a migrated file may have the size and time of the fresh one (copied with its
    # origin's time, written in the same second) and other content.
    rsync -a --checksum --delete "$hd/fresh/$d/" "$hd/$d/"
  done
  dpkg_status_replace "$hd" <"$hd/fresh/dpkg-status"
  in_host "$h" bash "$BIN_DIR/fleet-profile.sh" "$hd"
  find "$hd/tmp" "$hd/vartmp" "$hd/bmfleet" -mindepth 1 -delete 2>/dev/null || true
  # bmfleet's pair lock directory: a test may leave it prepared as a local user would.
  rm -rf -- "$hd/run/bmfleet"
  # systemd's mark (init-host.sh): a test may have removed it to play a host without systemd.
  mkdir -p "$hd/run/systemd/system"
}

# PostgreSQL with this host's fresh rows and bj password, the REST core, the mail services, sshd
# (restarted when permit-root changed its configuration: the caller's `restart`)
reset_start_services() {
  local pw
  pw=$(host_conf_get "$h" DB_PASSWORD)
  in_host "$h" setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/pg_ctl" \
    -D /var/lib/postgresql/15/main -l /var/log/postgresql/postgresql-15-main.log -w -t 60 start >/dev/null
  {
    printf "ALTER ROLE bj PASSWORD '%s';\n" "$pw"
    echo '\connect bj'
    cat "$hd/fresh-bj.sql"
    echo '\connect bj-data'
    cat "$hd/fresh-bj-data.sql"
  } | in_host "$h" setpriv --reuid=postgres --regid=postgres --init-groups \
        psql -X -q -v ON_ERROR_STOP=1 -h /run/postgresql -d postgres >/dev/null
  dbg "$h: postgresql started"
  in_host "$h" bmfleet-sim core-start
  dbg "$h: core started"
  if [[ $(host_conf_get "$h" MAIL) == 1 ]]; then
    in_host "$h" bmfleet-mail boot
    dbg "$h: Cyrus and Postfix started"
  fi
  if [[ $restart == 1 ]]; then
    restart_sshd "$h"
  else
    sshd_running "$h" || in_host "$h" /usr/sbin/sshd -E /run/sshd.log
  fi
}

cmd_reset() {
  [[ $# -ge 1 ]] || die "usage: fleet reset HOST|PAIR..."
  load_conf
  need_root
  [[ $KIND == full ]] || die "reset needs a full fleet (this one is ${KIND:-absent})"
  local hosts h t0 pids=() rc=0
  t0=$(now_ms)
  hosts=$(resolve_hosts "$@" | awk '!seen[$0]++')
  for h in $hosts; do require_host_up "$h"; done
  for h in $hosts; do
    ( reset_host "$h" ) &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  [[ $rc == 0 ]] || die "reset failed for some host"
  echo "fleet: reset $(echo "$hosts" | tr '\n' ' ')in $(( $(now_ms) - t0 )) ms"
}

# shellcheck shell=bash
# `set HOST KNOB [VALUE]`, sourced by tests/fleet/fleet: the knobs that make a full host differ on
# purpose (bm-version, busy, no-package, external-url, disk-full, no-rsync, no-rrsync, pg, sshd,
# link, slow, sudo-user, permit-root), one function each, recorded in DIR/hosts/<name>/knobs; and the
# sshd helpers reset.sh shares. Undone all at once by reset.sh.

host_mounts_at() {
  # $1 holder pid, $2 mount point: number of mounts stacked there in the host's mount namespace
  awk -v m="$2" '$5 == m {n++} END {print n + 0}' "/proc/$1/mountinfo"
}

set_dpkg_version() {
  local hd=$1 v=$2 tmp
  tmp=$(mktemp)
  /usr/bin/python3 - "$hd/dpkg/status" "$v" >"$tmp" <<'EOF'
import sys
path, v = sys.argv[1], sys.argv[2]
out, pkg = [], None
for line in open(path, encoding="utf-8", errors="surrogateescape"):
    if line.startswith("Package: "):
        pkg = line.split(":", 1)[1].strip()
    elif line.strip() == "":
        pkg = None
    if pkg and pkg.startswith("bm-") and line.startswith("Version: "):
        line = f"Version: {v}\n"
    if pkg == "bm-full" and line.startswith("Depends: bm-core"):
        line = f"Depends: bm-core (= {v})\n"
    out.append(line)
sys.stdout.write("".join(out))
EOF
  dpkg_status_replace "$hd" <"$tmp"
  rm -f "$tmp"
}

# dpkg_status_replace HOSTDIR <NEW: the host's dpkg status replaced at once, by a new file renamed
# over it (as dpkg itself writes it; the host sees it through its bind-mounted /var/lib/dpkg
# directory), with the old one's mode and owner. A reader (dpkg-query in the host, the REST core
# stand-in, the test harness) then sees the old or the new status, never a part of it: rewritten in
# place (`cat NEW >status`, 680 KB), reads during a reset found it cut short, without its last
# stanzas, which are the bm-* ones (bm-keycloak, bm-full).
dpkg_status_replace() {
  local st=$1/dpkg/status
  cat >"$st.bmfleet-new"
  chmod --reference="$st" "$st.bmfleet-new"
  chown --reference="$st" "$st.bmfleet-new"
  mv -f "$st.bmfleet-new" "$st"
}

undo_no_rsync() {
  # $1 host, $2 holder pid; lazy: umount itself runs from the overlaid /usr/bin
  while [[ $(awk '$5 == "/usr/bin" && $0 ~ / - overlay bmfleet-no-rsync / {n++} END {print n + 0}' "/proc/$2/mountinfo") -gt 0 ]]; do
    in_host "$1" umount -l /usr/bin
  done
  rm -rf "$HOSTS_DIR/$1/no-rsync"
}

knob_add() { echo "$2" >>"$1/knobs"; }
knob_del() { [[ -f $1/knobs ]] && { grep -v "^$2\( \|$\)" "$1/knobs" >"$1/knobs.tmp" || true; mv "$1/knobs.tmp" "$1/knobs"; }; return 0; }

# cmd_set HOST KNOB [VALUE]: under the host's lock (fd 7); each knob_* reads the caller's h, hd
# (host directory), p (holder pid), knob and val
cmd_set() {
  [[ $# -ge 2 ]] || die "usage: fleet set HOST KNOB [VALUE] (see fleet --help)"
  load_conf
  need_root
  require_host_up "$1"
  local h=$H_NAME knob=$2 val=${3:-} hd p
  hd=$HOSTS_DIR/$h
  p=$(holder_pid "$h")
  [[ $KIND == full ]] || die "knobs need a full fleet (this one is $KIND)"
  exec 7>"$hd/.lock"; flock 7
  case $knob in
    bm-version) knob_bm_version;;
    busy) knob_busy;;
    no-package) knob_no_package;;
    external-url) knob_external_url;;
    disk-full) knob_disk_full;;
    no-rsync|no-rrsync) knob_no_rsync;;
    pg) knob_pg;;
    sshd) knob_sshd;;
    link) knob_link;;
    slow) knob_slow;;
    sudo-user) knob_sudo_user "$@";;
    permit-root) knob_permit_root;;
    upgraded-from-4) knob_upgraded_from_4;;
    *) die "unknown knob '$knob' (bm-version, busy, no-package, external-url, disk-full, no-rsync, no-rrsync, pg, sshd, link, slow, sudo-user, permit-root, upgraded-from-4)";;
  esac
  echo "fleet: $h: $knob${val:+ $val}"
}

knob_bm_version() {
  [[ -n $val ]] || die "set $h bm-version V"
  set_dpkg_version "$hd" "$val"
  # the layout follows the major version (4.x Cyrus era, 5.x without Cyrus: lib/profile.sh)
  in_host "$h" bash "$BIN_DIR/fleet-profile.sh" "$hd"
  knob_del "$hd" bm-version; knob_add "$hd" "bm-version $val"
}

knob_busy() {
  # a live server: while BlueMind runs, job rows in t_job_execution and Elasticsearch files
  case $val in
    on) : >"$hd/etc/bmfleet-sim/busy"; knob_del "$hd" busy; knob_add "$hd" "busy on";;
    off) rm -f "$hd/etc/bmfleet-sim/busy"; knob_del "$hd" busy;;
    *) die "set $h busy on|off";;
  esac
}

knob_no_package() {
  # a bm-* package (a plugin) not installed on this host: its stanza leaves the dpkg status
  [[ $val =~ ^bm-[a-z0-9.+-]+$ ]] || die "set $h no-package bm-NAME"
  local tmp
  tmp=$(mktemp)
  /usr/bin/python3 - "$hd/dpkg/status" "$val" >"$tmp" <<'EOF'
import sys
path, name = sys.argv[1], sys.argv[2]
stanzas = open(path, encoding="utf-8", errors="surrogateescape").read().split("\n\n")
keep = [s for s in stanzas if not s.lstrip("\n").startswith(f"Package: {name}\n")]
sys.stdout.buffer.write("\n\n".join(keep).encode("utf-8", errors="surrogateescape"))
EOF
  dpkg_status_replace "$hd" <"$tmp"
  rm -f "$tmp"
  knob_add "$hd" "no-package $val"
}

knob_upgraded_from_4() {
  # a 5.x server upgraded from 4.x, as BlueMind's upgrade leaves it (BlueMind's source, GitHub
  # mirror mdhender/bluemindfork): the transitional packages of packaging/bm-conf/debian/control
  # (bm-cyrus, bm-lmtpd, bm-sds-proxy, bm-ips, bm-plugin-core-mailapp: "Section: oldlibs",
  # "transitional package. It can safely be removed.") stay installed, and bm-conf's postinst
  # removeCyrus() purges the Cyrus services and cron job only: /etc/imapd.conf, /etc/cyrus.conf
  # and /etc/cyrus-partitions stay in place. reset undoes both (fresh dpkg status and /etc).
  local v tmp
  v=$(in_host "$h" dpkg-query -W -f='${Version}' bm-core)
  [[ ${v#*:} =~ ^([5-9]|[1-9][0-9])\. ]] || die "set $h upgraded-from-4: bm-core is $v, not 5.x (fleet set $h bm-version 5.3.2 first)"
  tmp=$(mktemp)
  { cat "$hd/dpkg/status"
    for pkg in bm-cyrus bm-lmtpd bm-sds-proxy bm-ips bm-plugin-core-mailapp; do
      grep -q "^Package: $pkg\$" "$hd/dpkg/status" && continue
      printf 'Package: %s\nStatus: install ok installed\nPriority: extra\nSection: oldlibs\nInstalled-Size: 1\nMaintainer: BlueMind team <contact@bluemind.net>\nArchitecture: all\nVersion: %s\nDescription: transitional package\n This is a transitional package. It can safely be removed.\n\n' "$pkg" "$v"
    done
  } >"$tmp"
  dpkg_status_replace "$hd" <"$tmp"
  rm -f "$tmp"
  local f
  for f in imapd.conf imapd.annotations.conf cyrus.conf cyrus-partitions; do
    cp -a "$hd/profile4/$f" "$hd/etc/$f"
  done
  knob_del "$hd" upgraded-from-4; knob_add "$hd" upgraded-from-4
}

knob_external_url() {
  [[ -n $val ]] || die "set $h external-url U"
  /usr/bin/python3 "$FLEET_LIB/gen_host.py" set-ini "$hd/etc/bm/bm.ini" external-url "$val"
  knob_del "$hd" external-url; knob_add "$hd" "external-url $val"
}

knob_disk_full() {
  [[ -n $val ]] || die "set $h disk-full SIZE|off"
  while [[ $(host_mounts_at "$p" /var/spool/cyrus) -gt 0 ]]; do in_host "$h" umount /var/spool/cyrus; done
  knob_del "$hd" disk-full
  if [[ $val != off ]]; then
    [[ $val =~ ^[0-9]+[kKmMgG]?$ ]] || die "disk-full: SIZE like 2M"
    in_host "$h" mount -t tmpfs -o "size=$val,mode=750,uid=$(in_host "$h" id -u cyrus),gid=8" bmfleet-diskfull /var/spool/cyrus
    knob_add "$hd" "disk-full $val"
  fi
}

knob_no_rsync() {
  undo_no_rsync "$h" "$p"
  knob_del "$hd" no-rsync; knob_del "$hd" no-rrsync
  if [[ $val != off ]]; then
    # an overlay over /usr/bin whose upper layer holds a whiteout for rsync (or rrsync):
    # `command -v` fails and running it gives "command not found" (127), like a host
    # without the package (or an older rsync without rrsync)
    rm -rf "$hd/no-rsync"
    mkdir -p "$hd/no-rsync/upper" "$hd/no-rsync/work"
    mknod "$hd/no-rsync/upper/${knob#no-}" c 0 0
    in_host "$h" mount -t overlay bmfleet-no-rsync \
      -o "lowerdir=/usr/bin,upperdir=$hd/no-rsync/upper,workdir=$hd/no-rsync/work" /usr/bin
    knob_add "$hd" "$knob"
  fi
}

knob_pg() {
  case $val in
    down) in_host "$h" setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/pg_ctl" \
            -D /var/lib/postgresql/15/main -w -m fast stop >/dev/null
          knob_del "$hd" pg; knob_add "$hd" "pg down";;
    up) in_host "$h" setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/pg_ctl" \
          -D /var/lib/postgresql/15/main -l /var/log/postgresql/postgresql-15-main.log -w -t 60 start >/dev/null
        knob_del "$hd" pg;;
    *) die "set $h pg down|up";;
  esac
}

knob_sshd() {
  case $val in
    down) # the listener and every session: like a crashed or killed sshd
          local q
          for q in $(netns_pids "$NS_PREFIX$h"); do
            [[ $(cat "/proc/$q/comm" 2>/dev/null) == sshd ]] && kill -KILL "$q" 2>/dev/null || true
          done
          knob_del "$hd" sshd; knob_add "$hd" "sshd down";;
    up) sshd_running "$h" || in_host "$h" /usr/sbin/sshd -E /run/sshd.log
        knob_del "$hd" sshd;;
    *) die "set $h sshd down|up";;
  esac
}

knob_link() {
  case $val in
    down) in_host "$h" ip link set eth0 down; knob_del "$hd" link; knob_add "$hd" "link down";;
    up) in_host "$h" ip link set eth0 up; knob_del "$hd" link;;
    *) die "set $h link down|up";;
  esac
}

knob_slow() {
  # a slow host: its link throttled by a token bucket (tc tbf; netem is not in every kernel)
  [[ -n $val ]] || die "set $h slow RATE|off (RATE like 64kbit)"
  in_host "$h" tc qdisc del dev eth0 root 2>/dev/null || true
  knob_del "$hd" slow
  if [[ $val != off ]]; then
    in_host "$h" tc qdisc add dev eth0 root tbf rate "$val" burst 1600 latency 2s
    knob_add "$hd" "slow $val"
  fi
}

knob_sudo_user() {
  # A login user with sudo: `sudo-user NAME nopasswd` or `sudo-user NAME password:PW`.
  local user=${val%% *} mode=${4:-}
  [[ -n $mode ]] || { [[ $val == *" "* ]] && mode=${val#* }; }
  mode=${mode:-nopasswd}
  [[ $user =~ ^[a-z][a-z0-9_-]*$ ]] || die "set $h sudo-user NAME nopasswd|password:PW"
  local home=/var/tmp/home/$user
  in_host "$h" bash -c "id -u $user >/dev/null 2>&1 || useradd -M -d $home -s /bin/bash $user
    mkdir -p $home/.ssh && cp /root/.ssh/authorized_keys $home/.ssh/authorized_keys
    chown -R $user: $home && chmod 700 $home $home/.ssh"
  case $mode in
    nopasswd) echo "$user ALL=(ALL) NOPASSWD: ALL" >"$hd/etc/sudoers.d/bmfleet-$user"
              # no password, but not locked (sshd refuses locked accounts)
              in_host "$h" usermod -p '*' "$user";;
    password:*) echo "$user ALL=(ALL) ALL" >"$hd/etc/sudoers.d/bmfleet-$user"
                printf '%s:%s\n' "$user" "${mode#password:}" | in_host "$h" chpasswd;;
    *) die "sudo-user: nopasswd or password:PW";;
  esac
  chmod 440 "$hd/etc/sudoers.d/bmfleet-$user"
  knob_add "$hd" "sudo-user $user $mode"
}

knob_permit_root() {
  # PermitRootLogin yes|no, and sshd restarted to read it (sessions survive).
  [[ $val == yes || $val == no ]] || die "set $h permit-root yes|no"
  sed -i "s/^PermitRootLogin .*/PermitRootLogin $([[ $val == no ]] && echo no || echo prohibit-password)/" "$hd/etc/ssh/sshd_config"
  grep -q '^PermitRootLogin' "$hd/etc/ssh/sshd_config" || echo "PermitRootLogin $val" >>"$hd/etc/ssh/sshd_config"
  restart_sshd "$h"
  knob_del "$hd" permit-root
  if [[ $val == no ]]; then knob_add "$hd" "permit-root no"; fi
}

# restart the host's sshd listener (it reads its configuration at start); sessions survive
restart_sshd() {
  local pid
  pid=$(cat "$HOSTS_DIR/$1/run/sshd.pid" 2>/dev/null || true)
  [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do sshd_running "$1" || break; sleep 0.05; done
  in_host "$1" /usr/sbin/sshd -E /run/sshd.log
}

# is the host's sshd listener alive (its pid file names a live sshd)?
sshd_running() {
  local pid
  pid=$(cat "$HOSTS_DIR/$1/run/sshd.pid" 2>/dev/null) || return 1
  # a killed sshd may linger as a zombie until PID 1 reaps it: not running
  [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == sshd && $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) != Z ]]
}

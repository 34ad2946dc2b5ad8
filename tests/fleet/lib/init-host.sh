#!/bin/bash
# Boot one simulated host. Started by `fleet up` as
#   ip netns exec NS unshare --mount --uts --ipc --propagation private --fork bash init-host.sh DIR HOST
# so it already runs in the host's own network, mount, UTS and IPC namespaces. It prepares the host's
# directory (first boot only), bind-mounts the host's own copies over the system paths, starts sshd
# (and for a full host PostgreSQL 15 and the BlueMind core stand-in), then execs `sleep infinity` to
# hold the namespaces. Progress: DIR/hosts/HOST/{holder.pid,ready,failed}.
set -euo pipefail
FLEET_DIR=$1
H=$2
HD=$FLEET_DIR/hosts/$H
# shellcheck disable=SC1091
source "$FLEET_DIR/fleet.conf"
# shellcheck disable=SC1091
source "$HD/host.conf"
LIB=${BASH_SOURCE[0]%/*}
PGBIN=/usr/lib/postgresql/15/bin
CACHE=$FLEET_DIR/cache
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
trap 'echo "init-host.sh: line $LINENO: command failed (rc=$?)" >"$HD/failed"' ERR
umask 022

ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
T0=$(ms)
phase() { echo "init-host: +$(( $(ms) - T0 )) ms $*"; }
as_pg() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }

prepare_light() {
  # as few processes as possible: this runs for hundreds of hosts at once
  # shellcheck disable=SC2174  # $HD exists: each of the two is the deepest directory
  mkdir -p -m 700 "$HD/root" "$HD/root/.ssh"
  mkdir -p "$HD/run/sshd" "$HD/tmp"
  local key
  read -r key <"$FLEET_DIR/controller_key.pub"
  (umask 077; echo "$key" >"$HD/root/.ssh/authorized_keys")
  ssh-keygen -q -t ed25519 -N '' -C "root@$HOST_NAME" -f "$HD/ssh_host_ed25519_key"
}

prepare_full() {
  phase "start"
  cp -a "$CACHE/etc-base" "$HD/etc"
  phase "etc copied"
  echo "$HOST_NAME" >"$HD/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n%s\t%s.%s %s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
    "$HOST_NAME" "$IP" "$HOST_NAME" "$MAIL_DOMAIN" "$HOST_NAME" >"$HD/etc/hosts"
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$HD/etc/machine-id"
  echo >>"$HD/etc/machine-id"
  ssh-keygen -q -t ed25519 -N '' -C "root@$HOST_NAME" -f "$HD/etc/ssh/ssh_host_ed25519_key"
  phase "keygen"
  mkdir -p "$HD/root/.ssh"
  cp /etc/skel/.bashrc /etc/skel/.profile "$HD/root/" 2>/dev/null || true
  chmod 700 "$HD/root" "$HD/root/.ssh"
  install -m 600 "$FLEET_DIR/controller_key.pub" "$HD/root/.ssh/authorized_keys"

  # system accounts: a target got other ids than its origin (dynamic ids, another install order)
  if [[ $ROLE == target ]]; then
    sed -i -e 's/^cyrus:x:930:/cyrus:x:940:/' -e 's/^elasticsearch:x:931:931:/elasticsearch:x:941:941:/' "$HD/etc/passwd"
    sed -i -e 's/^elasticsearch:x:931:/elasticsearch:x:941:/' -e 's/^bluemind:x:932:/bluemind:x:942:/' "$HD/etc/group"
  fi
  local cyrus_uid es_uid es_gid
  cyrus_uid=$(awk -F: '$1 == "cyrus" {print $3}' "$HD/etc/passwd")
  es_uid=$(awk -F: '$1 == "elasticsearch" {print $3}' "$HD/etc/passwd")
  es_gid=$(awk -F: '$1 == "elasticsearch" {print $3}' "$HD/etc/group")
  # spools (owners as on a BlueMind host: cyrus:mail for the mail store)
  mkdir -p "$HD/spool/mail" "$HD/lib-cyrus" "$HD/bm-ca" "$HD/es/config" "$HD/log/postgresql" \
    "$HD/tmp" "$HD/vartmp" "$HD/run/sshd" "$HD/run/postgresql" "$HD/postgresql/15"
  # systemd's mark of a booted system (sd_booted(3)): the systemctl stand-in plays a running
  # systemd, so the role drives this host through it (a test removes the mark to play a host
  # started without systemd, reset puts it back)
  mkdir -p "$HD/run/systemd/system"
  local d
  for d in cyrus bm-hsm sieve bm-elasticsearch bm-docs bm-filehosting; do mkdir -p "$HD/spool/$d"; done
  chown "$cyrus_uid:8" "$HD/spool/cyrus" "$HD/lib-cyrus" "$HD/spool/sieve"
  chmod 750 "$HD/spool/cyrus" "$HD/lib-cyrus"
  chown "$es_uid:$es_gid" "$HD/spool/bm-elasticsearch"
  chmod 2775 "$HD/spool/mail"; chgrp 8 "$HD/spool/mail"
  chmod 1777 "$HD/tmp" "$HD/vartmp"
  # /var/lib/bmfleet: each host's own (bmfleet's state, work dir and trust records live there)
  mkdir -p "$HD/bmfleet"; chmod 700 "$HD/bmfleet"
  chown -R postgres:postgres "$HD/postgresql" "$HD/log/postgresql"
  chown postgres:postgres "$HD/run/postgresql"; chmod 2775 "$HD/run/postgresql"

  phase "dirs"
  # BlueMind configuration files + fresh-install SQL
  /usr/bin/python3 "$LIB/gen_host.py" config "$HD"
  # the mail profile: real Postfix and Cyrus configuration, maps and users (lib/mail-host.sh)
  [[ ${MAIL:-0} != 1 ]] || bash "$LIB/mail-host.sh" prepare "$HD"

  # the host's own /var/lib/dpkg: the machine's small files, a status with the bm-core package of
  # this host's version, and an empty info/ on which the machine's info/ is mounted read-only. The
  # whole directory is bind-mounted (a file bind mount would be detached the moment the machine's
  # dpkg renames its status file, e.g. during an apt-get install while the fleet is up).
  mkdir -p "$HD/dpkg/info"
  local f
  for f in /var/lib/dpkg/*; do
    case ${f##*/} in info|status|status-old|lock|lock-frontend) ;; *) cp -a "$f" "$HD/dpkg/";; esac
  done
  : >"$HD/dpkg/lock"; : >"$HD/dpkg/lock-frontend"; chmod 640 "$HD/dpkg/lock" "$HD/dpkg/lock-frontend"
  # shellcheck disable=SC1003  # sed: append a final newline when missing
  { sed -e '$a\' /var/lib/dpkg/status; echo; bm_stanzas "$BM_VERSION"; } >"$HD/dpkg/status"
  cp "$HD/dpkg/status" "$HD/dpkg-status.fresh"

  phase "config generated"
  # PostgreSQL data directory from the fleet's template
  phase "dpkg status"
  cp -a "$CACHE/pg-template" "$HD/postgresql/15/main"
  phase "pg copied"

  # the Cyrus-era files, put back by lib/profile.sh when the host is (made) a 4.x
  mkdir -p "$HD/profile4"
  cp -a "$HD/etc/imapd.conf" "$HD/etc/imapd.annotations.conf" "$HD/etc/cyrus.conf" \
    "$HD/etc/cyrus-partitions" "$HD/etc/bm-hps" "$HD/profile4/"
  # snapshot of the just-installed state, used by `fleet reset`
  mkdir -p "$HD/fresh"
  cp -a "$HD/etc" "$HD/root" "$HD/bm-ca" "$HD/es" "$HD/spool" "$HD/lib-cyrus" "$HD/fresh/"
  mv "$HD/dpkg-status.fresh" "$HD/fresh/dpkg-status"
}

bm_stanzas() {
  # bm-full pins every bm-* package to its version (DOMAIN: packaging/bm-full); the plugins are
  # packages of their own (packaging/bm-plugin-* in BlueMind's source) that the 5.0 procedure
  # page requires on both hosts. 4.x: Cyrus and bm-hps; 5.x: bm-keycloak (part of bm-full since
  # mid-2023) instead.
  local v=$1 major=${1#*:} p
  major=${major%%.*}
  local pkgs=(bm-core bm-cli bm-conf bm-plugin-core-ldap-import bm-plugin-admin-console-ldap-import)
  if [[ $major -ge 5 ]]; then pkgs+=(bm-keycloak); else pkgs+=(bm-cyrus-imapd bm-hps); fi
  for p in "${pkgs[@]}"; do
    printf 'Package: %s\nStatus: install ok installed\nPriority: optional\nSection: net\nInstalled-Size: 1000\n' "$p"
    printf 'Maintainer: BlueMind team <contact@bluemind.net>\nArchitecture: all\nVersion: %s\n' "$v"
    printf 'Description: %s (bmfleet test fleet stand-in)\n\n' "$p"
  done
  cat <<EOF
Package: bm-full
Status: install ok installed
Priority: optional
Section: net
Installed-Size: 1
Maintainer: BlueMind team <contact@bluemind.net>
Architecture: all
Version: $v
Depends: bm-core (= $v)
Description: BlueMind metapackage (bmfleet test fleet stand-in)

EOF
}

mount_full() {
  mount --bind "$HD/etc" /etc
  mount --bind "$HD/root" /root
  mount --bind "$HD/spool" /var/spool
  # /var/lib: the machine's, under a per-host overlay, so that a directory may exist on one host
  # only (/var/lib/cyrus on 4.x, see lib/profile.sh); the host's own directories are mounted on it
  # (the overlay's lower layer has no submounts: a fleet directory under /var/lib, itself a tmpfs,
  # is mounted again on it through a descriptor opened before)
  mkdir -p "$HD/varlib/upper" "$HD/varlib/work"
  exec 8<"$FLEET_DIR"
  mount -t overlay bmfleet-varlib -o "lowerdir=/var/lib,upperdir=$HD/varlib/upper,workdir=$HD/varlib/work" /var/lib
  case $FLEET_DIR in
    /var/lib/*) mkdir -p "$FLEET_DIR"; mount --no-canonicalize --rbind /proc/self/fd/8 "$FLEET_DIR";;
  esac
  exec 8<&-
  mkdir -p /var/lib/bm-ca /var/lib/postgresql
  mount --bind "$HD/bm-ca" /var/lib/bm-ca
  mkdir -p "$HD/bmfleet"; chmod 700 "$HD/bmfleet"
  mount --bind "$HD/bmfleet" /var/lib/bmfleet
  mount --bind "$HD/postgresql" /var/lib/postgresql
  mount --bind "$HD/es" /usr/share/bm-elasticsearch
  mount --bind /var/lib/dpkg/info "$HD/dpkg/info"
  mount -o remount,bind,ro "$HD/dpkg/info"
  mount --rbind "$HD/dpkg" /var/lib/dpkg
  mount --bind "$HD/log" /var/log
  mount --bind "$HD/vartmp" /var/tmp
  mount --bind "$HD/tmp" /tmp
  mount --bind "$HD/run" /run
  mount -t tmpfs -o size=64m,mode=1777 bmfleet-shm /dev/shm
  mount --bind "$FLEET_DIR/bin" /usr/local/sbin
  mount -o remount,bind,ro /usr/local/sbin
}

start_pg() {
  as_pg "$PGBIN/pg_ctl" -D /var/lib/postgresql/15/main -l /var/log/postgresql/postgresql-15-main.log \
    -w -t 60 start >/dev/null
  # per-host password of bj and the host's own fresh-install rows
  {
    printf "ALTER ROLE bj PASSWORD '%s';\n" "$DB_PASSWORD"
    echo '\connect bj'
    cat "$HD/fresh-bj.sql"
    echo '\connect bj-data'
    cat "$HD/fresh-bj-data.sql"
  } | as_pg psql -X -q -v ON_ERROR_STOP=1 -h /run/postgresql -d postgres >/dev/null
}

if [[ $KIND == light ]]; then
  [[ -f $HD/prepared ]] || { prepare_light; touch "$HD/prepared"; }
else
  [[ -f $HD/prepared ]] || { prepare_full; touch "$HD/prepared"; }
fi

phase "prepared"
# drop this namespace's copies of the other hosts' /run/netns mounts (they would pin those namespaces)
umount -l /run/netns 2>/dev/null || true
echo "$HOST_NAME" >/proc/sys/kernel/hostname
printf 'link set lo up\naddr add %s/16 dev eth0\nlink set eth0 up\n' "$IP" | ip -batch -

if [[ $KIND == light ]]; then
  chmod 1777 "$HD/tmp"
  mount --bind "$HD/root" /root
  mount --bind "$HD/run" /run
  mount --bind "$HD/tmp" /tmp
  /usr/sbin/sshd -f "$CACHE/sshd_config" -h "$HD/ssh_host_ed25519_key" -E /run/sshd.log
else
  mount_full
  bash "$FLEET_DIR/bin/fleet-profile.sh" "$HD" # the checkout is not visible inside the host
  /usr/sbin/sshd -E /run/sshd.log
  phase "sshd started"
  start_pg
  phase "postgresql started"
  /usr/local/sbin/bmfleet-sim core-start
  [[ ${MAIL:-0} != 1 ]] || { /usr/local/sbin/bmfleet-mail boot; phase "Cyrus and Postfix started"; }
fi

phase "ready"
cd /
echo $$ >"$HD/holder.pid"
: >"$HD/ready"
# shellcheck disable=SC2217  # the holder must not keep init.log open
exec sleep infinity </dev/null >/dev/null 2>&1

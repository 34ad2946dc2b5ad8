#!/bin/bash
# Boot the sender host of a mail fleet (`fleet up N --mail`): the outside world's mail server. Started
# by lib/mail.sh as
#   ip netns exec NS unshare --mount --uts --ipc --propagation private --fork bash sender-host.sh DIR
# It runs its own real Postfix (the machine's binaries, its own /etc/postfix, queue, /var/lib/postfix,
# /var/log and /run), relays what the test submits to each tenant's address (DIR/sender/postfix/
# transport: "<pair>.example smtp:[<origin address>]:25", as an MX would name it) and queues and
# retries what is deferred, with retry times of seconds (a real one waits minutes). Then it holds
# the namespaces with `sleep infinity`. Progress: DIR/sender/{holder.pid,ready,failed}.
set -euo pipefail
FLEET_DIR=$1
SD=$FLEET_DIR/sender
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
trap 'echo "sender-host.sh: line $LINENO: command failed (rc=$?)" >"$SD/failed"' ERR
# shellcheck disable=SC1091
source "$SD/sender.conf"
umask 022
umount -l /run/netns 2>/dev/null || true
echo sender >/proc/sys/kernel/hostname
printf 'link set lo up\naddr add %s/16 dev eth0\nlink set eth0 up\n' "$SENDER_IP" | ip -batch -
mkdir -p "$SD/spool" "$SD/lib" "$SD/log" "$SD/run" "$SD/tmp"
chown postfix:postfix "$SD/lib"
chmod 1777 "$SD/tmp"
mount --bind "$SD/postfix" /etc/postfix
mount --bind "$SD/spool" /var/spool/postfix
mount --bind "$SD/lib" /var/lib/postfix
mount --bind "$SD/log" /var/log
mount --bind "$SD/run" /run
mount --bind "$SD/tmp" /tmp
postmap hash:/etc/postfix/transport
postfix start >/dev/null 2>&1 || { postfix check >&2; exit 1; }
cd /
echo $$ >"$SD/holder.pid"
: >"$SD/ready"
# shellcheck disable=SC2217  # the holder keeps none of the launcher's descriptors
exec sleep infinity </dev/null >/dev/null 2>&1

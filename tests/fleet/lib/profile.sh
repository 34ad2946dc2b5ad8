#!/bin/bash
# Make a simulated host's layout that of its BlueMind major version (run inside the host, after its
# mounts; by init-host.sh at boot, by `fleet set HOST bm-version V` and by `fleet reset`):
#   4.x  Cyrus era: /var/lib/cyrus, /var/spool/sieve, /etc/imapd.conf, /etc/imapd.annotations.conf,
#        /etc/cyrus.conf, /etc/cyrus-partitions, /etc/bm-hps/ (bm-hps)
#   5.x  none of them: BlueMind 5 removed Cyrus (FEATBL-1831: packaging/bm-conf/debian/postinst
#        removeCyrus() in BlueMind's source, GitHub mirror mdhender/bluemindfork) and bm-hps (the
#        Keycloak era: bm-keycloak). /var/spool/cyrus stays (data/by_hash still holds message
#        bodies: SpoolBackingStore.java).
# The Cyrus-era files of the host are kept in HOSTDIR/profile4 (written once by init-host.sh).
# /var/lib is a per-host overlay (init-host.sh), so /var/lib/cyrus can exist on one host only.
set -euo pipefail
HD=$1
v=$(dpkg-query -W -f='${Version}' bm-core)
v=${v#*:}
major=${v%%.*}
cyrus_files=(imapd.conf imapd.annotations.conf cyrus.conf cyrus-partitions)
if [[ $major -ge 5 ]]; then
  for f in "${cyrus_files[@]}"; do rm -f "/etc/$f"; done
  rm -rf /etc/bm-hps /var/spool/sieve
  if mountpoint -q /var/lib/cyrus; then umount /var/lib/cyrus; fi
  # the directory under it is the machine's mount point, seen through this host's /var/lib
  # overlay: removing it here leaves a whiteout in the host's upper layer, the machine's stays
  if [[ -e /var/lib/cyrus ]] && ! mountpoint -q /var/lib/cyrus && [[ $(findmnt -n -o FSTYPE --target /var/lib) == overlay ]]; then
    rm -rf /var/lib/cyrus
  fi
else
  for f in "${cyrus_files[@]}"; do [[ -e /etc/$f ]] || cp -a "$HD/profile4/$f" /etc/; done
  [[ -d /etc/bm-hps ]] || cp -a "$HD/profile4/bm-hps" /etc/
  if [[ ! -d /var/spool/sieve ]]; then
    mkdir /var/spool/sieve
    chown cyrus:mail /var/spool/sieve
  fi
  mkdir -p /var/lib/cyrus
  mountpoint -q /var/lib/cyrus || mount --bind "$HD/lib-cyrus" /var/lib/cyrus
fi

# shellcheck shell=bash
# What every fleet of the machine shares, sourced by tests/fleet/fleet: the mount points created on
# the machine for the hosts' bind mounts (EXTRA_MOUNTPOINTS), iproute2's /run/netns mount, and the
# machine-wide lock that keeps one fleet's `down` from removing them while another fleet comes up.
# A file of its own because these are the only things one fleet's commands change under another's
# feet: everything else is named after the fleet's own index or directory.
#
# The lock (flock on MACHINE_LOCK, fd 6): `up` holds it shared from before it makes sure of the mount
# points until its hosts are up (namespaces exist, bind mounts made), so that fleets still come up
# in parallel; `down` holds it exclusively while it decides that no fleet is left and removes the
# shared things. Without it, a `down` could find no fleet, then remove /usr/share/bm-elasticsearch
# after another fleet's `up` had found it present: that fleet's hosts fail to mount it, or lose the
# mount (removing a directory detaches the mounts of every namespace on it). tests/fleet/race-check.

MACHINE_LOCK=/run/lock/bmfleet-fleet.lock

# machine_lock shared|exclusive: take the machine lock on fd 6 (waits for it). Released by
# machine_unlock or at exit; every process started while it is held must close fd 6 (6>&-), or it
# keeps holding it.
machine_lock() {
  mkdir -p "${MACHINE_LOCK%/*}"
  exec 6>>"$MACHINE_LOCK"
  if [[ $1 == shared ]]; then flock -s 6; else flock -x 6; fi
}

machine_unlock() { exec 6>&-; }

ensure_mountpoints() {
  local m
  for m in "${EXTRA_MOUNTPOINTS[@]}"; do
    if [[ ! -e $m ]]; then
      mkdir -p "$m"
      touch "$m/.bmfleet-mountpoint"
    fi
  done
}

# only when no bmfleet fleet at all is left (removing a mount point lazily detaches the mounts of
# other namespaces that still use it); the caller holds the machine lock exclusively
remove_mountpoints_if_unused() {
  ip netns list 2>/dev/null | grep -qE '^bmf[0-9]+-' && return 0
  ip -o link show type bridge 2>/dev/null | grep -q 'alias bmfleet:' && return 0
  # (tests/fleet/race-check: holds the removal here, to run another fleet's `up` meanwhile)
  [[ -z ${BMFLEET_TEST_HOOK_UNUSED:-} ]] || bash -c "$BMFLEET_TEST_HOOK_UNUSED"
  local m
  for m in "${EXTRA_MOUNTPOINTS[@]}"; do
    if [[ -f $m/.bmfleet-mountpoint && -z $(find "$m" -mindepth 1 -maxdepth 1 ! -name .bmfleet-mountpoint -print -quit) ]]; then
      rm -f "$m/.bmfleet-mountpoint"
      rmdir "$m" 2>/dev/null || true
    fi
  done
}

# iproute2 turns /run/netns into a mount point on first use; undo it when no namespace is left (the
# caller holds the machine lock exclusively: an `up` adds namespaces there under the shared lock)
release_run_netns() {
  if [[ -d /run/netns && -z $(ls -A /run/netns 2>/dev/null) ]] && mountpoint -q /run/netns; then
    umount /run/netns 2>/dev/null || true
    rmdir /run/netns 2>/dev/null || true
  fi
}

# shellcheck shell=bash
# What every fleet of the machine shares, sourced by tests/fleet/fleet: the mount points created on
# the machine for the hosts' bind mounts (EXTRA_MOUNTPOINTS) and iproute2's /run/netns mount.
# A file of its own because these are the only things one fleet's commands change under another's
# feet: everything else is named after the fleet's own index or directory.

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
# other namespaces that still use it)
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

# iproute2 turns /run/netns into a mount point on first use; undo it when no namespace is left
release_run_netns() {
  if [[ -d /run/netns && -z $(ls -A /run/netns 2>/dev/null) ]] && mountpoint -q /run/netns; then
    umount /run/netns 2>/dev/null || true
    rmdir /run/netns 2>/dev/null || true
  fi
}

{#- A witness of this host's wall clock, for the final rsync's change lists (lib/changes.sh):
    the marks of a hot sync carry it (sync_mark in lib/host-state.sh), the scans and the final
    rsync check that the clock was not stepped since. -#}
bmf_clock() {
  # bmf_clock: "BOOT OFFSET SECS": this boot's id (/proc/sys/kernel/random/boot_id), the wall
  # clock minus the time since boot in hundredths of a second, and the wall clock in seconds;
  # or 1. The time since boot (/proc/uptime, CLOCK_BOOTTIME) is never stepped and counts a
  # suspend as the wall clock does, and both follow NTP's slewing alike: within one boot, OFFSET
  # moves only when the wall clock is stepped (date -s, NTP or chrony stepping, a leap second).
  # Both read at once, without a fork where bash has $EPOCHREALTIME (5.0).
  local boot up wall cs
  read -r boot </proc/sys/kernel/random/boot_id 2>/dev/null || return 1
  read -r up _ </proc/uptime 2>/dev/null || return 1
  wall=${EPOCHREALTIME-}
  [ -n "$wall" ] || wall=$(date +%s.%N) || return 1
  [[ $boot =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] || return 1
  [[ $up =~ ^([0-9]+)[.,]([0-9]{2}) ]] || return 1
  cs=$((10#${BASH_REMATCH[1]} * 100 + 10#${BASH_REMATCH[2]}))
  [[ $wall =~ ^([0-9]{1,12})[.,]([0-9]{2}) ]] || return 1
  echo "$boot $((10#${BASH_REMATCH[1]} * 100 + 10#${BASH_REMATCH[2]} - cs)) $((10#${BASH_REMATCH[1]}))"
}
bmf_mark_now() {
  # bmf_mark_now NONCE: a sync mark for the state record, NONCE@SECS@BOOT@OFFSET (bmf_clock);
  # NONCE@SECS when the clocks cannot be read (its final rsync then walks every spool).
  local boot offset secs
  if read -r boot offset secs < <(bmf_clock) && [ -n "$secs" ] && [ "$offset" -gt 0 ]; then
    echo "$1@$secs@$boot@$offset"
  else
    echo "$1@$(date +%s)"
  fi
}

{#- What changed in the spools since the last complete hot sync: the final rsync's change lists.

    Why: the final rsync's walk of every spool is the downtime's critical path on a tenant of
    real size (bench/README.md "Large tenant": 57 s of 63 s at 1.15 million files), and most of
    what it walks has not changed since the last hot sync. The hosts know what changed: every
    write, create, unlink, rename, link and chmod sets the inode's ctime (POSIX "st_ctime";
    Linux's ext4/xfs/btrfs also set it on the renamed entry itself), and ctime cannot be set
    back by any program short of moving the system clock. So, each host by its own clock:

      origin: every entry whose ctime is newer than the START of the last complete hot sync
              (anything older was read by that hot sync after it changed);
      target: every entry whose ctime is newer than the END of that hot sync (anything bmfleet
              did not write: a started service, a killed rsync's leftovers, an earlier cold
              sync that was rolled back).

    Both minus `final_rsync_slack` seconds (default 5), against a clock stepped back a
    little: more is listed, never less. A clock stepped back further would hide changes (their
    ctime older than the mark) without a word, so each mark carries a witness of its host's
    clock (lib/clock.sh: the boot id, and the wall clock minus the time since boot,
    which only a step moves); a host that restarted since its mark, or whose clock moved by
    more than the slack against the time since boot (and half a second for reading the two
    clocks on a loaded host), gives no list and says why. Each host checks its own clock when
    it scans, the target again at the final rsync. A step back and forth that cancels out
    between the mark and the scan leaves no trace: the slack is what covers a clock stepped back
    a little and forward again. The union of
    both lists is what the final rsync sends (templates/cold-sync/final-rsync.sh); the marks
    live in each host's state record (sync_mark, templates/lib/host-state.sh), with one nonce
    on both, so a list is only ever used against the very target that hot sync wrote. Anything
    missing or odd (no mark, another nonce, a failed scan) means no list, and the final rsync
    walks the whole spool as before. The cold sync's counts (templates/cold-sync/verify.sh)
    then compare every spool, whichever way it was synced.

    A list is NUL-separated entries, paths from the spool's top (`./PATH`): `F ./PATH` for
    anything but a directory changed after the mark, `f ./PATH` for one changed within the
    slack before it, `BIRTH ./PATH` for a directory, BIRTH its birth time (statx,
    `stat -c %W`; 0 where the file system keeps none). A changed directory born before the
    mark that the target does not have was moved or renamed: its children kept their ctime and
    are in no list, and only a walk finds their hard links (final-rsync.sh walks the spool then).
    Every other entry of a new directory is listed: created since, moved in (rename(2) sets the
    moved inode's ctime: ext4, xfs, btrfs, tmpfs), or linked in (link(2) sets it too).
-#}
{% include "templates/lib/clock.sh" %}
bmf_changes_slack={{ final_rsync_slack }}
case "$bmf_changes_slack" in '' | *[!0-9]*) echo "final_rsync_slack must be a number of seconds" >&2; exit 2 ;; esac
bmf_changes_dir={{ work_dir }}/changes
bmf_changes_name() {
  # A spool's list file name: a digest of its path (paths hold slashes; names must not).
  printf '%s' "$1" | sha256sum | cut -c1-16
}
bmf_changes_mark() {
  # bmf_changes_mark MARK -> "NONCE SECS BOOT OFFSET" once checked (BOOT and OFFSET `-` in a
  # mark made before they were recorded), or 1.
  [[ ${1-} =~ ^([0-9a-f]{32})@([0-9]{1,12})(@([0-9a-f-]{36})@([0-9]{1,14}))?$ ]] || return 1
  echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]} ${BASH_REMATCH[4]:--} ${BASH_REMATCH[5]:--}"
}
bmf_changes_clock() {
  # bmf_changes_clock BOOT OFFSET: is this host's wall clock the one of its mark, not stepped
  # since by more than the slack? Else why not (one line, no newline), and 1.
  local boot offset drift margin
  if [ "${1:--}" = - ]; then
    printf '%s' "its mark records no witness of its clock (made by an earlier bmfleet): a clock stepped back since cannot be ruled out"
    return 1
  fi
  { read -r boot offset _ < <(bmf_clock) && [ -n "$offset" ]; } ||
    { printf '%s' "its boot id and clocks cannot be read"; return 1; }
  if [ "$boot" != "$1" ]; then
    printf '%s' "it restarted since its mark (another boot id): its clock may have been stepped meanwhile, and ctimes older than the mark would be missed"
    return 1
  fi
  drift=$((offset - $2)) margin=$((bmf_changes_slack * 100 + 50))
  if [ "$drift" -gt "$margin" ] || [ "$drift" -lt "-$margin" ]; then
    printf 'its clock was stepped by %s%d.%02d s since its mark (more than final_rsync_slack, %s s): ctimes older than the mark would be missed' \
      "$([ "$drift" -lt 0 ] && echo -)" "$(( ${drift#-} / 100 ))" "$(( ${drift#-} % 100 ))" "$bmf_changes_slack"
    return 1
  fi
}
bmf_changes_scan() {
  # bmf_changes_scan SPOOL SECS OUT: every entry of SPOOL changed after SECS into OUT, whole
  # or not at all (a partial list would leave changes out: written aside, renamed when done).
  local spool=$1 mark=$2 since=$(($2 - bmf_changes_slack)) out=$3
  [ -d "$spool" ] || return 0
  (cd -- "$spool" && find . -mindepth 1 -newerct "@$since" \( -type d -exec stat --printf '%W %n\0' {} + \
    -o -newerct "@$mark" -printf 'F %p\0' -o -printf 'f %p\0' \)) >"$out.partial" &&
    mv -f -- "$out.partial" "$out"
}

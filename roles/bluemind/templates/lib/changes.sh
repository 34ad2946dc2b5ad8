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

    Both minus `final_rsync_slack` seconds (default 60), against a clock stepped back a
    little: more is listed, never less. The union of
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
bmf_changes_slack={{ final_rsync_slack }}
case "$bmf_changes_slack" in '' | *[!0-9]*) echo "final_rsync_slack must be a number of seconds" >&2; exit 2 ;; esac
bmf_changes_dir={{ work_dir }}/changes
bmf_changes_name() {
  # A spool's list file name: a digest of its path (paths hold slashes; names must not).
  printf '%s' "$1" | sha256sum | cut -c1-16
}
bmf_changes_mark() {
  # bmf_changes_mark NONCE@SECS -> "NONCE SECS" once checked, or 1.
  [[ ${1-} =~ ^([0-9a-f]{32})@([0-9]{1,12})$ ]] || return 1
  echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
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

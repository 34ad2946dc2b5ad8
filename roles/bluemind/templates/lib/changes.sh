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
bmf_changes_find() {
  # bmf_changes_find SINCE MARK START... [OPTION...]: find's list lines of what changed after
  # SINCE under the STARTs (./PATH each), the files changed after MARK `F`, before it `f`.
  local since=$1 mark=$2
  shift 2
  find "$@" -newerct "@$since" \( -type d -exec stat --printf '%W %n\0' {} + \
    -o -newerct "@$mark" -printf 'F %p\0' -o -printf 'f %p\0' \)
}
{#- The scan of one spool is split across the host's cores (at most 8): at the freeze it is what
    the final rsync waits for, every entry's ctime read (bench/README.md, 2026-12-07: 4.1 s on
    one core for a million entries). The split is by subtree: the directories at the shallowest
    depth with at least four per job (Cyrus's spool is narrow at the top: data/ and meta/, one
    partition, one domain), each subtree scanned whole by one find, then the levels above them
    and those directories themselves. That last scan runs after the subtrees', so a directory of
    that depth born since they were listed, which no subtree scan walked, is in its list (its
    ctime is its birth), and walked then. A directory listed and gone (moved away) fails the scan,
    as a find's vanished entry always did: no list, the final rsync walks. Each job writes its
    own file (find's buffered writes into one pipe would interleave). #}
bmf_changes_jobs=$(nproc 2>/dev/null || echo 1)
[[ $bmf_changes_jobs =~ ^[0-9]+$ ]] && [ "$bmf_changes_jobs" -ge 1 ] || bmf_changes_jobs=1
[ "$bmf_changes_jobs" -le 8 ] || bmf_changes_jobs=8
bmf_changes_units() {
  # bmf_changes_units WORK: in the spool (the working directory), the depth at which it splits
  # into WORK/units (NUL ended), or 1 when it does not (one job, or too few directories).
  local depth=0 n=0 want=$((4 * bmf_changes_jobs))
  [ "$bmf_changes_jobs" -gt 1 ] || return 1
  while [ "$n" -lt "$want" ] && [ "$depth" -lt 8 ]; do
    depth=$((depth + 1))
    find . -mindepth "$depth" -maxdepth "$depth" -type d -print0 >"$1/units" || return 1
    n=$(tr -cd '\0' <"$1/units" | wc -c)
    [ "$n" != 0 ] || return 1
  done
  [ "$n" -ge "$want" ] || return 1
  echo "$depth"
}
bmf_changes_subtrees() {
  # bmf_changes_subtrees SINCE MARK WORK JOBS PER: the subtrees under the directories on stdin
  # (NUL ended), PER to a find, JOBS finds at once, each list into its own WORK/*.part.
  export -f bmf_changes_find
  # shellcheck disable=SC2016 # expanded by the bash that xargs starts, from its arguments
  xargs -0 -r -n "$5" -P "$4" bash -c 'bmf_changes_find "$1" "$2" "${@:4}" -mindepth 1 >"$(mktemp -p "$3" XXXXXXXX.part)"' \
    bmf-changes "$1" "$2" "$3"
}
bmf_changes_split() {
  # bmf_changes_split SINCE MARK WORK DEPTH: the spool's list from WORK/units (of DEPTH) into
  # WORK/*.part: their subtrees, `jobs` finds at once, then what lies above them.
  local since=$1 mark=$2 work=$3 depth=$4 n
  n=$(tr -cd '\0' <"$work/units" | wc -c)
  bmf_changes_subtrees "$since" "$mark" "$work" "$bmf_changes_jobs" $(((n + 8 * bmf_changes_jobs - 1) / (8 * bmf_changes_jobs))) \
    <"$work/units" || return 1
  bmf_changes_find "$since" "$mark" . -mindepth 1 -maxdepth "$depth" >"$work/top.part" || return 1
  {#- A directory of DEPTH in the top's list that is no unit: born after they were listed (NUL
      ended throughout: a name may hold a newline). #}
  LC_ALL=C sort -zu -- "$work/units" >"$work/units.sorted" || return 1
  { LC_ALL=C grep -zE "^[0-9]+ \./([^/]*/){$((depth - 1))}[^/]*\$" -- "$work/top.part" || [ "$?" = 1 ]; } |
    cut -zd ' ' -f 2- | LC_ALL=C sort -zu | LC_ALL=C comm -z -23 - "$work/units.sorted" >"$work/born" || return 1
  bmf_changes_subtrees "$since" "$mark" "$work" 1 1000 <"$work/born"
}
bmf_changes_scan() {
  # bmf_changes_scan SPOOL SECS OUT: every entry of SPOOL changed after SECS into OUT, whole
  # or not at all (a partial list would leave changes out: written aside, renamed when done).
  local spool=$1 mark=$2 since=$(($2 - bmf_changes_slack)) out=$3 work depth rc=0
  [ -d "$spool" ] || return 0
  work=$(mktemp -d) || return 1
  (
    cd -- "$spool" || exit 1
    if depth=$(bmf_changes_units "$work"); then
      bmf_changes_split "$since" "$mark" "$work" "$depth" || exit 1
      cat -- "$work"/*.part
    else
      bmf_changes_find "$since" "$mark" . -mindepth 1
    fi
  ) >"$out.partial" && mv -f -- "$out.partial" "$out" || rc=1
  rm -rf -- "$work"
  return "$rc"
}

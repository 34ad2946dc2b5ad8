{#- The stopped origin's change list from the warm pass's tally: what a scan of every entry's
    ctime lists (lib/changes.sh, bmf_changes_scan), without reading every entry's ctime.

    Why: after the warm pass a few hundred entries changed, yet the origin's scan read the ctime
    of each of the large bench tenant's 1.15 M entries in the downtime: 4.0-4.5 of its 7 s
    (bench/README.md, 2026-12-07), a cost that grows with the tenant, not with what changed.

    An entry's ctime moves for one of two reasons: (a) a name of it is created, removed or
    renamed (link(2), unlink(2), rename(2)), which moves the ctime of the directory holding that
    name too; (b) it is written, or its mode, owner or times are set, which moves its own ctime
    only. From the tally the origin took right after its warm mark (lib/tally.sh; TALLY.inodes
    and TALLY.watch beside it), the list is built from:
      - every directory the tally holds, stat'ed: one whose ctime moved is listed (as the full
        scan lists it) and its entries are scanned one level: every name created, removed or
        renamed in it since (a), and any of its entries changed (b);
      - every directory under one of those that the tally never saw (new, moved in), scanned
        whole;
      - every non-directory the tally holds, stat'ed (TALLY.watch: (b) on them), but the message
        files of the spools whose message files are written once and never changed in place
        (role.yml `write_once_messages`, with the sources): nothing does (b) to them, and (a)
        moves their folder's ctime. That is what is not read: 1 M of the bench's 1.15 M;
      - every file of the warm pass's own change list, stat'ed again (TALLY.recent): a message
        that Cyrus cannot link into place is created under its name, then written
        (lib/util.c cyrus_copyfile_fdptr), so its folder's ctime is its creation's. One still
        being written when the warm pass scanned had its ctime moved since the last pass: it
        is in that list, and read here whenever its writing ended;
      - every name of a listed file that has several (Cyrus's single-instance store links one
        message into each mailbox it was delivered to): one inode, one ctime, so the full scan
        lists them all, and the final rsync's -H needs them all to link them on the target.
        The tally's inodes give the names it saw (checked: still that file); a name made since
        is in a folder whose ctime moved. A file with fewer names found than its link count:
        not used, the spool is scanned whole.
    The list is the full scan's, but for a write-once message file whose link count fell (a
    name of it removed: nothing to send, its folder's pass deletes the name) and for a
    write-once message file changed in place by something that is not the mail server, which
    this does not see (`write_once_messages: []` reads every file's ctime again). Anything odd
    (no tally of this pass or no warm list with it, a name holding a newline, a read that
    failed): 1, and the caller scans the spool whole, as before. -#}
bmf_changes_each() {
  # bmf_changes_each N WORD... < PATHS (NUL ended): the command of the first N WORDs, then as
  # many PATHS as fit, then the other WORDs (find's start points before its expression), until
  # every path is given; xargs's status (123: a command failed, as on a path gone).
  local n=$1
  shift
  export -f bmf_changes_find
  # shellcheck disable=SC2016 # expanded by the bash that xargs starts, from its arguments
  LC_ALL=C xargs -0 -r bash -c 'n=$1 w=$2; shift 2; "${@:1:n}" "${@:w+1}" "${@:n+1:w-n}"' bmf-each "$n" "$#" "$@"
}
bmf_changes_batch() {
  # bmf_changes_batch SINCE MARK OPTION... < PATHS: bmf_changes_find over the paths, OPTION...
  # after them. A path gone fails one find (123): the directory it was in changed, and its own
  # scan lists what took its place.
  bmf_changes_each 3 bmf_changes_find "$@"
}
bmf_changes_spread() {
  # bmf_changes_spread WORK SINCE MARK OPTION... < PATHS: bmf_changes_batch, split across the
  # host's cores (bmf_changes_jobs, as the full scan is), each find into its own WORK/*.part
  # (finds writing into one pipe at once would interleave their records).
  local work=$1 since=$2 mark=$3
  shift 3
  export -f bmf_changes_find
  # shellcheck disable=SC2016 # expanded by the bash that xargs starts, from its arguments
  LC_ALL=C xargs -0 -r -n 4096 -P "$bmf_changes_jobs" bash -c \
    'n=$4; bmf_changes_find "$1" "$2" "${@:n+5}" "${@:5:n}" >"$(mktemp -p "$3" XXXXXXXX.part)"' \
    bmf-spread "$since" "$mark" "$work" "$#" "$@"
}
bmf_changes_gone() {
  # bmf_changes_gone ERR: did the reads in ERR fail only on names gone? Else what else (stderr).
  ! LC_ALL=C grep -Ev ": (No such file or directory|Not a directory)$" -- "$1" >&2
}
bmf_changes_links() {
  # bmf_changes_links WORK TALLY: in the spool (working directory), every other name of each
  # file of WORK/list with several, NUL ended, from TALLY.inodes; 1 when a file's names found
  # fall short of its link count.
  local work=$1 tally=$2 key n
  local -A want=() have=()
  grep -z '^[fF] ' -- "$work/list" | cut -zc3- |
    { bmf_changes_each 1 find -maxdepth 0 -type f -links +1 -printf '%D:%i %n %p\0' 2>>"$work/err" || [ "$?" = 123 ]; } >"$work/linked"
  [ -s "$work/linked" ] || return 0
  while IFS=' ' read -r -d '' key n _; do
    want[$key]=$n
  done <"$work/linked"
  printf '^%s \n' "${!want[@]}" >"$work/keys"
  {#- The tally's names of those files that are still theirs, and the listed ones. #}
  { LC_ALL=C grep -zf "$work/keys" -- "$tally.inodes" || [ "$?" = 1 ]; } | cut -zd ' ' -f 2- |
    { bmf_changes_each 1 find -maxdepth 0 -printf '%D:%i %p\0' 2>>"$work/err" || [ "$?" = 123 ]; } |
    { LC_ALL=C grep -zf "$work/keys" || [ "$?" = 1 ]; } >"$work/names" || return 1
  cut -zd ' ' -f 1,3- -- "$work/linked" | LC_ALL=C sort -zu - "$work/names" >"$work/all-names"
  while IFS=' ' read -r -d '' key _; do
    have[$key]=$((${have[$key]-0} + 1))
  done <"$work/all-names"
  for key in "${!want[@]}"; do
    if [ "${have[$key]-0}" -lt "${want[$key]}" ]; then
      echo "a file with ${want[$key]} names of which the tally and the changed folders hold ${have[$key]-0}" >&2
      return 1
    fi
  done
  cut -zd ' ' -f 2- -- "$work/names"
}
bmf_changes_folders() {
  {#- bmf_changes_folders SPOOL SECS NONCE OUT: the origin's list of SPOOL's entries changed
      after SECS, its mark of the pass NONCE (bmf_changes_scan's lines, the slack taken off),
      from its tally of that pass, into OUT, whole or not at all; else why (stderr) and 1. #}
  local spool=$1 mark=$2 nonce=$3 out=$4 since=$(($2 - bmf_changes_slack)) top tally work rc=0 t_folders t_reads t_links
  top=${spool%/} tally=$bm_tally_dir/$(bmf_changes_name "$spool")
  {#- No tally of this pass (the warm pass's own scan, a target, a tally given up): no word. #}
  [[ $(head -n 1 -- "$tally" 2>/dev/null) == "tally $nonce $spool "* && -f $tally.inodes && -f $tally.watch && -f $tally.recent ]] ||
    return 1
  work=$(mktemp -d) || return 1
  tail -n +2 -- "$tally" | cut -d ' ' -f 5- | LC_ALL=C sort -u >"$work/known"
  if grep -qF '?' -- "$work/known"; then
    echo "a folder of $spool holds a newline in its name" >&2
    rm -rf -- "$work"
    return 1
  fi
  (
    set -o pipefail
    t0=${EPOCHREALTIME/./}
    bm_tally_stat_known "$since" "$work" && bm_tally_unseen "$work" >"$work/unseen" || exit 1
    t1=${EPOCHREALTIME/./}
    relative() { LC_ALL=C awk -v top="$top" '{ print "." substr($0, length(top) + 1) }' "$1" | tr '\n' '\0'; }
    cd -- "$spool" || exit 1
    mkdir -- "$work/parts" || exit 1
    {#- Each read below: a name gone is no failure (xargs's 123, checked in the end). #}
    {
      {#- The changed directories themselves (not the top: the full scan starts below it),
          every watched non-directory, every recent file, a ctime each; the changed
          directories' entries but directories (a subdirectory is known, then stat'ed itself,
          or unseen); the unseen ones whole. #}
      { relative "$work/moved" | { LC_ALL=C grep -zvx '\.' || [ "$?" = 1 ]; } && cat -- "$tally.watch" "$tally.recent"; } |
        bmf_changes_spread "$work/parts" "$since" "$mark" -maxdepth 0 || [ "$?" = 123 ] || exit 1
      relative "$work/moved" | bmf_changes_batch "$since" "$mark" -mindepth 1 -maxdepth 1 ! -type d ||
        [ "$?" = 123 ] || exit 1
      relative "$work/unseen" | bmf_changes_batch "$since" "$mark" || [ "$?" = 123 ] || exit 1
      find "$work/parts" -type f -exec cat -- {} + || exit 1
    } 2>"$work/err" >"$work/list" || exit 1
    t2=${EPOCHREALTIME/./}
    bmf_changes_links "$work" "$tally" >"$work/links" || exit 1
    bmf_changes_batch "$since" "$mark" -maxdepth 0 <"$work/links" 2>>"$work/err" >>"$work/list" || [ "$?" = 123 ] || exit 1
    bmf_changes_gone "$work/err" || exit 1
    t3=${EPOCHREALTIME/./}
    {#- How long each part took, for the log (whole ms). #}
    echo "$(((t1 - t0) / 1000)) $(((t2 - t1) / 1000)) $(((t3 - t2) / 1000))" >"$work/times"
  ) || rc=1
  if [ "$rc" = 0 ]; then
    LC_ALL=C sort -zu -- "$work/list" >"$out.partial" && mv -f -- "$out.partial" "$out" || rc=1
  fi
  if [ "$rc" = 0 ]; then
    read -r t_folders t_reads t_links <"$work/times"
    echo "$spool: from the warm pass's tally, $(wc -l <"$work/moved") folders changed, $(wc -l <"$work/unseen") new," \
      "$(tr -cd '\0' <"$tally.watch" | wc -c) + $(tr -cd '\0' <"$tally.recent" | wc -c) files read" \
      "(folders' ctime ${t_folders} ms, reads ${t_reads} ms, hard links ${t_links} ms)" >&2
  else
    echo "$spool's folders could not be scanned from its tally: every entry read" >&2
  fi
  rm -rf -- "$work"
  return "$rc"
}

{#- The spools' counts at the freeze, costing what changed: a tally per directory taken while the
    origin still serves, then only the directories where something changed counted again.

    Why: the check before the point of no return compares every spool's entries, files and bytes
    and every mailbox's messages on both stopped hosts (templates/lib/counts.sh). Counted whole,
    that reads every one of a large tenant's 1.16 M entries on each host in the downtime: the
    target's count, after its final rsync, was 4.5 of the 12.6 s downtime, the origin's 6.9 s
    beside it (bench/README.md, 2026-12-07; issue 25, item 4).

    The cold sync's warm pass tallies each host once, per directory, what that count counts: its
    own entries (not its subdirectories' contents), regular files, their bytes and message files
    (`E F B M DIR`, one line per directory, the spool's top included; a name's newline is `?`, as
    in the count). The origin right after its warm mark, while it serves; the target after its
    own mark, its warm rsync over (both marks of that pass, one nonce: templates/lib/changes.sh).
    At the freeze only the directories whose line may no longer be true are counted again, one
    level each (`find DIR -maxdepth 1`), a directory the tally never saw (new, or moved in) with
    all it holds, one that is gone with all it held:
      origin  every entry of its change list (ctime newer than its mark, less the slack: a file
              written in place, linked or renamed, each of its names), its directory, every
              listed directory, and every directory whose ctime is newer than the mark now;
      target  every directory whose ctime is newer than the tally's start (its clock checked
              against the tally's witness, as the change lists' against their mark's): since then only the
              final rsync wrote there, and rsync writes a file aside and renames it in place,
              links, creates and deletes names, each a change of a directory's ctime.
    A name created, removed or renamed changes its directory's ctime, by anything: the stat of
    every directory the tally holds (bm_tally_moved; not a read of every entry) also catches a
    message lost after the lists, what the check is there for.
    The lines it prints are bm_counts_spool's, to the byte; verify.sh compares them as it did.

    What it proves is what the whole count proved, on the ctime the final rsync already relies
    on: the directories nothing touched since the warm pass are compared as the warm pass left
    them on both hosts (the origin's tally taken after its mark, the target's after the warm
    rsync: a warm rsync that missed something differs there), the others as they are now. One
    thing the whole count saw and this does not: a file rewritten in place, to another size, on
    a stopped host after its change scan, by something that is not bmfleet (the final rsync
    sends what changed before). Anything odd (no tally, another nonce, a folder the tally
    never saw that nothing listed) counts the spool whole, as before, and says so. `post` still
    counts everything (templates/post/).
-#}
bm_tally_dir={{ work_dir }}/tally
bm_tally_write_once() {
  {#- bm_tally_write_once SPOOL: are SPOOL's message files (Cyrus's `NUMBER.`, BlueMind 5's
      `SHA1.zst`) written once, never changed in place after (role.yml `write_once_messages`,
      with the sources that say so)? #}
  local once
  for once in {{ write_once_messages | shell_words }}; do
    [ "$once" != "$1" ] || return 0
  done
  return 1
}
bm_tally_records() {
  {#- bm_tally_records one|all DIR...: a record per entry under each DIR (one level, or all), NUL
      ended, for bm_tally_merge: `m SIZE NAME/DIR` a regular file whose name may be a message's
      (checked in full there), `f SIZE DIR` another, `d PATH` a directory (with `all`, also
      `r PATH`: counted here whole), `e DIR` anything else; every entry is of DIR, its parent.
      Devices, FIFOs and sockets are not counted (the pulls never copy them: lib/rsync-pull.sh):
      bm_counts_spool's classification.
      `serving` is `all` on a host that serves (the warm pass's tally): an entry or a folder
      removed between its folder's read and its stat or its own read is no error, as mail
      expunged or a folder deleted under the walk is no reason to give the tally up (find's
      -ignore_readdir_race covers the stat, not a folder gone before find reads it: findutils
      4.9 still fails on that, hence the check of what it said). Its removal moved its folder's
      ctime, past the mark the tally follows: the freeze counts that folder again, and drops
      what it held. On a stopped host (the freeze's own counts) a name that vanishes still
      fails: something writes where nothing should, and the spool is counted whole. #}
  local depth=(-mindepth 1 -maxdepth 1) again='' mode=$1 errs rc=0
  [ "$mode" = one ] || depth=(-mindepth 1) again='r %p\0'
  shift
  if [ "$mode" != serving ]; then
    bm_tally_find "$@" "${depth[@]}"
    return
  fi
  errs=$(mktemp) || return 1
  bm_tally_find "$@" -ignore_readdir_race "${depth[@]}" 2>"$errs" || rc=$?
  {#- Only a name gone, each error on a line of its own (a name with a newline fails). #}
  if [ "$rc" != 0 ] && { [ ! -s "$errs" ] || LC_ALL=C grep -Ev "^find: '.*': No such file or directory$" -- "$errs" >&2; }; then
    rm -f -- "$errs"
    return 1
  fi
  rm -f -- "$errs"
}
bm_tally_side=() bm_tally_side_file=()
bm_tally_find() {
  {#- bm_tally_find DIR... OPTION...: bm_tally_records's find (`again` set by it), each regular
      file also given to bm_tally_side_file's actions, each other non-directory to
      bm_tally_side's: none but on the origin's tally (bm_tally_take). #}
  LC_ALL=C find "$@" \( -type b -o -type c -o -type p -o -type s \) "${bm_tally_side[@]}" \
    -o -type f "${bm_tally_side_file[@]}" \( -name '[0-9]*.' -printf 'm %s %f%h\0' -o -printf 'f %s %h\0' \) \
    -o -type d -printf "${again}d %p\\0e %h\\0" -o "${bm_tally_side[@]}" -printf 'e %h\0'
}
bm_tally_merge() {
  {#- bm_tally_merge TALLY < records: tally lines. Every directory named by an `r` record gets its
      line from the records; every other one of TALLY keeps its own, but one whose parent was
      counted again without it (gone, renamed away), and all it held. `m` names end at the
      first slash (a name holds none; the directory starts with one). #}
  tr '\n\0' '?\n' | LC_ALL=C awk -v tally="$1" '
    BEGIN {
      while ((getline line <tally) > 0) {
        if (line ~ /^tally /) continue
        split(line, w, " ")
        old[substr(line, length(w[1]) + length(w[2]) + length(w[3]) + length(w[4]) + 5)] = w[1] " " w[2] " " w[3] " " w[4]
      }
    }
    $1 == "m" { p = substr($0, length($2) + 4); i = index(p, "/"); d = substr(p, i); f[d]++; b[d] += $2
                if (substr(p, 1, i - 1) ~ /^[0-9]+\.$/) m[d]++
                next }
    $1 == "f" { d = substr($0, length($2) + 4); f[d]++; b[d] += $2; next }
    $1 == "e" { e[substr($0, 3)]++; next }
    $1 == "d" { child[substr($0, 3)]; next }
    $1 == "r" { again[substr($0, 3)]; next }
    END {
      for (k in old) if (!(k in again) && !(k in child) && (parent(k) in again)) { gone[k]; g[++ngone] = k "/" }
      {#- A line goes with its folder gone or one above it. Few gone (the usual freeze: none),
          each line is checked against them; many, by walking up its path (a regex a level,
          for each of the bench tenant's 51,200 folders). #}
      for (k in old) {
        if (k in again) continue
        if (ngone <= 16) {
          for (i = 1; i <= ngone && !(k in gone) && index(k, g[i]) != 1; i++) ;
          if (i > ngone) print old[k], k
          continue
        }
        for (a = k; a != "" && !(a in gone); a = parent(a)) ;
        if (a == "") print old[k], k
      }
      for (d in again) printf "%d %d %.0f %d %s\n", e[d], f[d], b[d], m[d], d
      {#- A directory found where nothing listed one and the tally had none: the target lacked
          a folder the origin held before its mark, and the final rsync made it. Its content
          was never counted: the caller counts the spool whole. #}
      for (c in child) if (!(c in old) && !(c in again)) exit 3
    }
    function parent(p) { return substr(p, 1, match(p, /\/[^\/]*$/) - 1) }'
}
bm_tally_lines() {
  # bm_tally_lines SPOOL < tally lines: bm_counts_spool's lines.
  LC_ALL=C awk -v spool="$1" '
    { e += $1; f += $2; b += $3
      if ($4 > 0) printf "mailbox %s %d\n", substr($0, length($1) + length($2) + length($3) + length($4) + 5), $4 }
    END { printf "spool %s entries %d files %d bytes %.0f\n", spool, e + f, f, b }'
}
bm_tally_take() {
  {#- bm_tally_take NONCE [origin [LISTS]]: every spool's tally, whole or not at all, headed by
      the nonce of the mark it follows. Prints how many directories. The origin's also keeps,
      beside each tally, what the freeze's change scan reads instead of every entry's ctime
      (lib/changes-folders.sh): TALLY.inodes, every non-directory's `DEVICE:INODE ./PATH` (NUL
      ended); TALLY.watch, every non-directory's `./PATH` but the write-once message files';
      TALLY.recent, the files of the warm pass's own change list (lib/changes.sh, the nonce
      LISTS), when there is one. #}
  local nonce=$1 host=${2-} lists=${3-} spool top out dirs=0
  umask 077
  rm -rf -- "$bm_tally_dir"
  mkdir -p -- "$bm_tally_dir" || return 1
  for spool in {{ spools | shell_words }}; do
    [ -d "$spool" ] || continue
    top=${spool%/} out=$bm_tally_dir/$(bmf_changes_name "$spool")
    bm_tally_side=() bm_tally_side_file=()
    if [ "$host" = origin ]; then
      bm_tally_side=(-fprintf "$out.inodes" '%D:%i ./%P\0' -fprintf "$out.watch" './%P\0')
      bm_tally_side_file=("${bm_tally_side[@]}")
      if bm_tally_write_once "$spool"; then
        bm_tally_side_file=(-fprintf "$out.inodes" '%D:%i ./%P\0'
          \( -name '[0-9]*.' ! -name '*[!0-9]*.' -o -name "$(printf '[0-9a-f]%.0s' {1..40}).zst" -o -fprintf "$out.watch" './%P\0' \))
      fi
      if [[ $lists =~ ^[0-9a-f]{32}$ && -f $bmf_changes_dir/$lists/$(bmf_changes_name "$spool").list0 ]]; then
        { grep -z '^[fF] \./' -- "$bmf_changes_dir/$lists/$(bmf_changes_name "$spool").list0" || [ "$?" = 1 ]; } |
          cut -zc3- >"$out.recent" || return 1
      fi
    fi
    {
      {#- When it began, by this host's clock, and that clock's witness (lib/clock.sh): `BOOT
          OFFSET SECS`. #}
      printf 'tally %s %s %s\n' "$nonce" "$spool" "$(bmf_clock || echo none)"
      { printf 'r %s\0' "$top"; bm_tally_records serving "$top"; } | bm_tally_merge /dev/null
    } >"$out.partial" && mv -f -- "$out.partial" "$out" || return 1
    dirs=$((dirs + $(wc -l <"$out") - 1))
  done
  echo "$dirs directories of the spools tallied"
}
bm_tally_moved() {
  {#- bm_tally_moved TOP SINCE WORK: `./PATH` (a line each) of every directory under TOP
      where a name was created, removed or renamed since SINCE, as a walk of every directory by
      ctime finds them: each directory the tally holds (WORK/known, sorted) whose ctime is newer
      (bm_tally_stat_known), and each directory under one of those that the tally never saw
      (bm_tally_unseen). Not a read of every entry of the spool, which a walk is (2.4 s of the
      target's count on the bench, 2026-12-07 17:57). A name holding `?` (the tally's newline)
      cannot be stat'ed from the tally: the spool is walked. #}
  local top=$1 since=$2 work=$3
  if grep -qF '?' -- "$work/known"; then
    LC_ALL=C find "$top" -mindepth 1 -type d -newerct "@$since" -printf './%P\0'
    return
  fi
  bm_tally_stat_known "$since" "$work" || return 1
  { cat -- "$work/moved" && bm_tally_unseen "$work"; } |
    LC_ALL=C awk -v top="$top" '{ print "." substr($0, length(top) + 1) }'
}
bm_tally_stat_known() {
  {#- bm_tally_stat_known SINCE WORK: WORK/moved, each directory of WORK/known (a line each, no
      `?`) whose ctime is newer than SINCE: a stat each (51,200 on the bench tenant). A
      directory gone (or one above it now a file) is no error: the one it was in changed, and
      its line goes (bm_tally_merge). %Z is whole seconds: a ctime in SINCE's own second counts
      as newer (more, never less). #}
  local since=$1 work=$2
  tr '\n' '\0' <"$work/known" | { LC_ALL=C xargs -0 -r stat --printf '%Z %n\n' 2>"$work/stat.err" || [ "$?" = 123 ]; } |
    LC_ALL=C awk -v since="$since" '$1 >= since { print substr($0, length($1) + 2) }' >"$work/moved" || return 1
  ! LC_ALL=C grep -Ev ": (No such file or directory|Not a directory)$" -- "$work/stat.err" >&2
}
bm_tally_unseen() {
  {#- bm_tally_unseen WORK: the directories under those of WORK/moved that WORK/known never
      saw (new or moved in: the directory it was made or moved in changed too, or is itself
      new), a line each. One missed here (unreadable) is still found by the count of its
      parent, which then counts the spool whole. #}
  tr '\n' '\0' <"$1/moved" |
    LC_ALL=C xargs -0 -r bash -c 'find "$@" -mindepth 1 -maxdepth 1 -type d -print0 2>/dev/null; true' bmf-tally |
    tr '\0' '\n' | LC_ALL=C sort -u | LC_ALL=C comm -23 - "$1/known"
}
bm_tally_spool() {
  {#- bm_tally_spool SPOOL NONCE SINCE CHANGED: SPOOL's count lines (bm_counts_spool's) from its
      tally of the pass NONCE and CHANGED, every path (`./PATH`, NUL ended) that changed on this
      host since that pass's mark, SINCE (seconds, the slack taken off). Else why (stderr) and
      1: the caller counts the spool whole. #}
  local spool=$1 nonce=$2 since=$3 changed=$4 top tally work depth dir now i n rc=0
  top=${spool%/} tally=$bm_tally_dir/$(bmf_changes_name "$spool")
  [[ $(head -n 1 -- "$tally" 2>/dev/null) == "tally $nonce $spool "* ]] ||
    { echo "no tally of $spool from the warm pass" >&2; return 1; }
  { [ -r "$changed" ] && [ -d "$spool" ]; } || { echo "no list of what changed in $spool" >&2; return 1; }
  if [ "$(tr -cd '\n' <"$changed" | wc -c)" != 0 ]; then
    echo "a name in $spool holds a newline" >&2
    return 1
  fi
  [[ $since =~ ^[0-9]+$ ]] || { echo "no time for $spool's changes" >&2; return 1; }
  work=$(mktemp -d) || return 1
  {#- The directories the tally holds, sorted: what is counted one level, and what is stat'ed. #}
  tail -n +2 -- "$tally" | cut -d ' ' -f 5- | LC_ALL=C sort -u >"$work/known" || { rm -rf -- "$work"; return 1; }
  {#- The directories counted again: every listed entry's, every listed directory, the top, and
      every directory whose ctime is newer than SINCE now: a name created, removed or renamed
      after the list was made (by anything: the final rsync, or what the check is there to
      catch) is counted too (bm_tally_moved: a stat of each directory the tally holds, a
      fraction of a whole count). Those the tally never saw (new, moved in) are counted with all
      they hold, the others one level. #}
  {
    printf '%s\n' "$top"
    {
      cat -- "$changed"
      bm_tally_moved "$top" "$since" "$work" || echo "the directories could not be read" >"$work/failed"
    } | tr '\0' '\n' | LC_ALL=C awk -v top="$top" '
      { p = $0; sub(/\/\.$/, "", p); if (p == "." || substr(p, 1, 2) != "./") next
        p = top substr(p, 2); print p; print substr(p, 1, match(p, /\/[^\/]*$/) - 1) }'
  } | LC_ALL=C sort -u >"$work/listed"
  [ ! -e "$work/failed" ] || { echo "$spool's directories could not be scanned" >&2; rm -rf -- "$work"; return 1; }
  LC_ALL=C comm -12 -- "$work/listed" "$work/known" | tr '\n' '\0' >"$work/one"
  {#- A new directory under another new one is counted with it, once. #}
  LC_ALL=C comm -23 -- "$work/listed" "$work/known" | LC_ALL=C awk '
    { for (a = $0; (i = match(a, /\/[^\/]*$/)) > 0; ) { a = substr(a, 1, i - 1); if (a in new) next }
      new[$0]; print }' | tr '\n' '\0' >"$work/all"
  {
    for depth in one all; do
      now=() i=0 n=0
      {#- The listed directories that still are: a symbolic link is not followed, a name gone
          is no error (its parent, counted again, drops it). #}
      while IFS= read -r -d '' dir; do
        if [ -d "$dir" ] && [ ! -L "$dir" ]; then
          printf 'r %s\0' "$dir"
          now+=("$dir")
          n=$((n + 1))
        fi
      done <"$work/$depth"
      while [ -n "${now[i]+set}" ]; do
        bm_tally_records "$depth" "${now[@]:i:500}"
        i=$((i + 500))
      done
      echo "$n" >"$work/$depth.count"
    done
  } >"$work/records" || rc=1
  [ "$rc" != 0 ] || bm_tally_merge "$tally" <"$work/records" >"$work/tally" ||
    { echo "a folder of $spool that nothing listed and the tally never saw" >&2; rc=1; }
  [ "$rc" != 0 ] || bm_tally_lines "$spool" <"$work/tally" || rc=1
  echo "$spool: $(cat -- "$work/one.count") directories counted again, $(cat -- "$work/all.count") new with all they hold" >&2
  rm -rf -- "$work"
  return "$rc"
}
bm_tally_pass() {
  {#- bm_tally_pass ORIGIN_CHANGES: `NONCE SINCE` of the pass the freeze's change lists follow
      (`mark NONCE@FROM: ...`, lib/changes-scan.sh), SINCE this host's own mark of it (its
      record, loaded: bmf_state_check) less the slack; nothing when they differ. #}
  local nonce mark other since
  [[ ${1-} =~ ^mark\ ([0-9a-f]{32})@[0-9]+: ]] || return 0
  nonce=${BASH_REMATCH[1]}
  mark=$(bmf_changes_mark "${BMF_R[sync_mark]-}") || return 0
  read -r other since _ <<<"$mark"
  [ "$other" != "$nonce" ] || echo "$nonce $((since - bmf_changes_slack))"
}
bm_tally_since() {
  {#- bm_tally_since TALLY: the second from which the target's directories are counted again, its
      tally's start less 2 s (a clock read to the second, and a step of up to a second), when its
      clock was not stepped by more than a second since (the witness, lib/clock.sh); else why,
      and 1. The warm rsync's writes are older than that: the target's mark waits them out
      (role.yml, `record the warm pass`), and its tally begins after its mark. #}
  local boot offset secs why
  read -r _ _ _ boot offset secs < <(head -n 1 -- "$1" 2>/dev/null) || true
  [[ ${secs-} =~ ^[0-9]+$ ]] || { echo "its tally has no time"; return 1; }
  why=$(bmf_changes_slack=1 bmf_changes_clock "$boot" "$offset") || { echo "$why"; return 1; }
  echo $((secs - 2))
}
bm_tally_spools() {
  {#- bm_tally_spools origin|target ORIGIN_CHANGES: bm_counts_spools's lines, each spool's from its
      tally where it can, with what changed since: on the origin its own change list of the
      freeze (lib/changes-scan.sh) and the directories changed since its mark; on the target
      the directories changed since its tally began. Else counted whole, saying why (stderr). #}
  local host=$1 nonce='' since='' spool name changed out tallied=0 whole=0 absent=0
  read -r nonce since < <(bm_tally_pass "$2") || true
  [ -n "$nonce" ] || echo "no change lists of this freeze against this host's mark: every spool counted whole" >&2
  out=$(mktemp) || return 1
  for spool in {{ spools | shell_words }}; do
    name=$(bmf_changes_name "$spool")
    changed=$bm_tally_dir/$name.changed
    rm -f -- "$changed"
    if [ "$host" = origin ]; then
      [ -z "$nonce" ] || [ ! -f "$bmf_changes_dir/$nonce/$name.list0" ] || [ ! -d "$bm_tally_dir" ] ||
        cut -zd ' ' -f 2- <"$bmf_changes_dir/$nonce/$name.list0" >"$changed" || rm -f -- "$changed"
    else
      {#- The stopped target: since its tally nothing but bmfleet's final rsync wrote its spools,
          and rsync writes every file aside and renames it in place (no --inplace, --append nor
          --partial: lib/rsync-pull.sh), links, creates and deletes names: every change it makes
          to a count changes a directory's ctime. The directories changed since the tally began
          are all there is to count again. #}
      [ ! -d "$bm_tally_dir" ] || : >"$changed"
      if [ -d "$spool" ]; then
        since=$(bm_tally_since "$bm_tally_dir/$name") || { echo "$spool: $since" >&2; since=; }
      fi
    fi
    if [ ! -d "$spool" ]; then
      absent=$((absent + 1))
      bm_counts_spool "$spool"
    elif [ -n "$nonce" ] && bm_tally_spool "$spool" "$nonce" "$since" "$changed" >"$out"; then
      tallied=$((tallied + 1))
      cat -- "$out"
    else
      whole=$((whole + 1))
      bm_counts_spool "$spool" || { rm -f -- "$out"; return 1; }
    fi
  done
  rm -f -- "$out"
  echo "spools: $tallied counted from the warm pass's tally and what changed since, $whole whole, $absent absent" >&2
}

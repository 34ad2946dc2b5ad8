{#- The final rsync of one spool: at the freeze, both hosts stopped, and before it as the cold
    sync's warm pass, the origin still serving (role.yml `warm_pass`: the freeze's lists then
    hold what changed since the warm pass began). With change lists of both hosts
    (templates/lib/changes.sh: what changed since the last complete pass over the spools, the
    same nonce on both), only their entries are sent; otherwise, or with `final_rsync: full`,
    the whole spool is walked as at every hot sync. Three passes, each `-aH`, none walking the
    spool:

      files  every non-directory changed on the origin, or on the target after its mark, is
             sent whole (-I: also a file rewritten within its size and mtime, which rsync's quick
             check finds equal); every name of a changed inode is in the list (link(2) and
             rename(2) set the inode's ctime), so -H links them on the target as on the origin;
      target what the target changed within `final_rsync_slack` before its mark, by the quick
             check: that is what the hot sync itself wrote in its last seconds, which sending
             whole again would cost a full copy after a first hot sync (bench/README.md);
      dirs   every changed directory's own entries (`DIR/.`, -d, no recursion): what the origin
             no longer has is deleted (--delete), a new directory is created.

    An entry one host lists and the origin no longer has is skipped (--ignore-missing-args); its
    parent directory changed too, so the dirs pass deletes it. A directory the target lacks that
    was born before the origin's mark was moved or renamed: its children are in no list, their
    hard links are found by a walk only, so the spool is walked. The cold sync's counts compare
    every spool afterwards (verify.sh), whichever way it was sent. -#}
{% include "templates/lib/one-of.sh" %}
bmf_one_of final_rsync {{ final_rsync }} full changes
{% include "templates/lib/rsync-pull.sh" %}
{% include "templates/lib/changes.sh" %}
origin_changes={{ origin_changes }}
final_rsync={{ final_rsync }}
bmf_final_lists() {
  # The union of both hosts' lists into files/dirs lists in $work, or say why not and 1.
  local nonce from mark name entry path birth boot offset why
  case "$final_rsync" in
    changes) ;;
    full) echo "final_rsync is $final_rsync: walking the whole spool"; return 1 ;;
    *) bmf_one_of final_rsync "$final_rsync" full changes ;;
  esac
  case "$origin_changes" in
    "mark "*) nonce=${origin_changes#mark }; nonce=${nonce%%:*} ;;
    *) echo "no change list from the origin (${origin_changes#none: }): walking the whole spool"; return 1 ;;
  esac
  [[ $nonce =~ ^([0-9a-f]{32})@([0-9]{1,12})$ ]] || { echo "unexpected change list mark from the origin: walking the whole spool"; return 1; }
  nonce=${BASH_REMATCH[1]} from=${BASH_REMATCH[2]}
  { mark=$(bmf_changes_mark "${BMF_R[sync_mark]-}") && [ "${mark%% *}" = "$nonce" ]; } ||
    { echo "this target holds no mark of the origin's last complete hot sync: walking the whole spool"; return 1; }
  read -r _ _ boot offset <<<"$mark"
  why=$(bmf_changes_clock "$boot" "$offset") ||
    { echo "this target's clock cannot be trusted ($why): walking the whole spool"; return 1; }
  [ -d "$spool" ] || { echo "the target has no $spool yet: walking the whole spool"; return 1; }
  name=$(bmf_changes_name "$spool")
  [ -f "$bmf_changes_dir/$nonce/$name.target0" ] ||
    { echo "no list of the target's own changes in $spool: walking the whole spool"; return 1; }
  {#- Data the target's root reads: a regular file only (no -l: rsync skips a link rather than
      making one here to read through). #}
  if ! rsync -t --no-links --no-devices --no-specials -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:$bmf_changes_dir/$nonce/$name.list0" "$work/origin.list0" 2>"$work/err"; then
    echo "the origin's change list of $spool could not be read ($(head -c 200 "$work/err" | tr -c '[:print:]' ' ')): walking the whole spool"
    return 1
  fi
  { [ -f "$work/origin.list0" ] && [ ! -L "$work/origin.list0" ]; } ||
    { echo "the origin's change list of $spool is not a regular file: walking the whole spool"; return 1; }
  { grep -z '^[fF] \./' -- "$work/origin.list0"; grep -z '^F \./' -- "$bmf_changes_dir/$nonce/$name.target0"; } |
    cut -zc3- | LC_ALL=C sort -zu >"$work/files.list0" || true
  grep -z '^f \./' -- "$bmf_changes_dir/$nonce/$name.target0" | cut -zc3- | LC_ALL=C sort -zu |
    LC_ALL=C comm -z -13 -- "$work/files.list0" - >"$work/target.list0" || true
  odd=
  {
    printf '.\0' # the top directory's own entries: what the origin removed there goes too
    while IFS= read -r -d '' entry; do
      birth=${entry%% *} path=${entry#* }
      if ! [[ $birth =~ ^[0-9]+$ && $path == ./* ]]; then
        odd="an unexpected entry in the origin's change list"
        break
      elif [ -d "$spool$path" ] && [ ! -L "$spool$path" ] || [ "$birth" -ge "$from" ]; then
        printf '%s/.\0' "$path"
      else
        odd="a directory moved or renamed since the last hot sync (${path#./}; only a walk finds its files' hard links)"
        break
      fi
    done < <(grep -zv '^[fF] ' -- "$work/origin.list0")
  } >"$work/dirs.unsorted"
  [ -z "$odd" ] || { echo "$odd: walking the whole spool"; return 1; }
  while IFS= read -r -d '' entry; do
    path=${entry#* }
    if [ -d "$spool$path" ] && [ ! -L "$spool$path" ]; then printf '%s/.\0' "$path"; fi
  done < <(grep -zv '^[fF] ' -- "$bmf_changes_dir/$nonce/$name.target0") >>"$work/dirs.unsorted"
  LC_ALL=C sort -zu -- "$work/dirs.unsorted" >"$work/dirs.list0"
  echo "changes since the last pass over the spools: $(tr -cd '\0' <"$work/files.list0" | wc -c) files on the origin," \
    "$(tr -cd '\0' <"$work/target.list0" | wc -c) more on the target, $(tr -cd '\0' <"$work/dirs.list0" | wc -c) directories"
}
{#- --trust-sender: since rsync 3.2.5 the client checks every name a remote sender lists against
    the names it asked for (rsync(1) --trust-sender; the fix of CVE-2022-29154), a scan of the
    whole list per name: quadratic. The bench's 340,654 listed names took 409 s of "file list
    generation" for nothing sent, and 112,000 names 6.4 s here against 0.29 s without the check
    (RsyncProject/rsync issue 695, "--files-from with a large list is extremely inefficient";
    bench/README.md). What the check protects is the destination directory from names nobody
    asked for; the same origin's walk (bmf_pull_full) may put anything in that very directory at
    every hot sync, so the lists trust the sender no more than the walk does. The receiver still
    refuses names outside the destination (absolute paths, `..`) with or without it. An rsync
    older than 3.2.5 has neither the check nor the option. #}
trust_sender=
case "$(rsync --help 2>&1)" in *--trust-sender*) trust_sender=--trust-sender ;; esac
bmf_final_pass() {
  # bmf_final_pass LIST [OPTION...]: one pass over a list; its stats kept for the sum.
  local list=$1 rc=0
  shift
  [ -s "$work/$list.list0" ] || return 0
  bmf_rsync "$work/err" ${trust_sender:+"$trust_sender"} --files-from="$work/$list.list0" --from0 --ignore-missing-args "$@" |
    tee -a -- "$work/stats" || rc=$?
  [ "$rc" = 0 ] || { cat -- "$work/err" >&2; echo "the final rsync's $list pass failed (rsync exit $rc)" >&2; }
  [ "$rc" != 0 ] || bmf_nonregular "$work/err" || true
  return "$rc"
}
work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
if ! bmf_final_lists; then
  bmf_pull_full
  exit
fi
bmf_final_pass files -I || exit
bmf_final_pass target || exit
bmf_final_pass dirs -d --delete || exit
{#- The passes' --stats summed, last: the engine keeps the last figures a step prints. #}
awk -F': ' '
  $1 == "Number of files" { split($2, w, " "); gsub(",", "", w[1]); f += w[1] }
  $1 == "Number of regular files transferred" { gsub(",", "", $2); t += $2 }
  $1 == "Total file size" { split($2, w, " "); gsub(",", "", w[1]); s += w[1] }
  $1 == "Total transferred file size" { split($2, w, " "); gsub(",", "", w[1]); b += w[1] }
  END {
    printf "\nall passes:\nNumber of files: %d\nNumber of regular files transferred: %d\n", f, t
    printf "Total file size: %.0f bytes\nTotal transferred file size: %.0f bytes\n", s, b
  }' "$work/stats" 2>/dev/null || true

//! The change scan split across cores (roles/bluemind/templates/lib/changes.sh,
//! `bmf_changes_scan`) against the one find it stands in for, on real files: the same entries,
//! each once, for any number of jobs; and a directory born at the split's depth after the
//! subtrees were listed is walked all the same (its files are what the final rsync must send).

use super::tally_tests::run;
use std::path::Path;

/// A random tree under the spool, deep enough to split (Cyrus's shape: narrow at the top), with
/// names holding spaces and a newline; a mark; then changes of every kind at every depth.
const TREE_THEN_CHANGES: &str = r#"{% include "templates/lib/changes.sh" %}
spool={{ spools | first }} RANDOM=7
mkdir -p "$spool" && cd "$spool"
for i in $(seq 1 300); do
  d=data/p$((RANDOM % 2))/u$((RANDOM % 9))/box$((RANDOM % 5))
  [ $((RANDOM % 3)) != 0 ] || d="$d/sub $((RANDOM % 3))"
  mkdir -p "$d" && echo "$RANDOM" >"$d/$i."
done
mkdir -p "data/p0/odd
name" && echo x >"data/p0/odd
name/1." && echo top >top-file
sleep 1.1
mark=$(date +%s)
sleep 1.1
for i in $(seq 1 40); do
  count=$(find data -mindepth 3 | wc -l)
  [ "$count" != 0 ] || break
  f=$(find data -mindepth 3 -print0 | LC_ALL=C sort -z | tr '\0' '\n' | sed -n "$((RANDOM % count + 1))p")
  [ -e "$f" ] || continue
  case $((RANDOM % 5)) in
    0) if [ -f "$f" ]; then echo more >>"$f"; fi ;;
    1) if [ -d "$f" ]; then mkdir -p "$f/new$i/deeper" && echo a >"$f/new$i/deeper/$i."; fi ;;
    2) rm -rf -- "$f" ;;
    3) if [ -f "$f" ]; then chmod 600 "$f"; fi ;;
    4) if [ -d "$f" ]; then echo b >"$f/$i."; fi ;;
  esac
done
echo new >"data/p1/odd
name.$RANDOM"
"#;

#[test]
fn a_scan_split_across_jobs_lists_what_one_find_lists() {
    for jobs in [1, 2, 3, 8] {
        let dir = tempfile::tempdir().unwrap();
        let spools = vec![format!("{}/spool/", dir.path().display())];
        let body = format!(
            "{TREE_THEN_CHANGES}
bmf_changes_jobs={jobs}
depth=$(bmf_changes_units \"$(mktemp -d)\") || depth=none
echo \"split at $depth\"
bmf_changes_scan \"$spool\" \"$mark\" \"$OLDPWD/split\"
bmf_changes_find \"$mark\" \"$mark\" . -mindepth 1 >\"$OLDPWD/one\"
"
        );
        let (ok, out, err) = run(dir.path(), &spools, &body);
        assert!(ok, "{jobs} jobs: {err}");
        if jobs == 1 {
            assert!(out.contains("split at none"), "one job does not split: {out}");
        } else {
            assert!(out.contains("split at 3") || out.contains("split at 4"), "{jobs} jobs: {out}");
        }
        let sorted = |name: &str| {
            let bytes = std::fs::read(dir.path().join(name)).unwrap();
            let mut entries: Vec<Vec<u8>> = bytes.split(|b| *b == 0).map(<[u8]>::to_vec).collect();
            assert_eq!(entries.pop(), Some(vec![]), "{name}: not NUL ended");
            entries.sort();
            entries
        };
        let (split, one) = (sorted("split"), sorted("one"));
        assert!(one.len() >= 20, "{jobs} jobs: the changes listed little: {}", one.len());
        assert!(one.iter().any(|e| e.starts_with(b"F ./data/p1/odd\nname.")), "{one:?}");
        assert_eq!(split, one, "{jobs} jobs: the split scan differs from one find");
    }
}

/// A directory born at the split's depth once the subtrees were listed: no subtree scan walked
/// it, the scan above them lists it, and its subtree is walked then.
#[test]
fn a_directory_born_after_the_split_was_listed_is_walked() {
    let dir = tempfile::tempdir().unwrap();
    let spools = vec![format!("{}/spool/", dir.path().display())];
    let body = format!(
        "{TREE_THEN_CHANGES}
bmf_changes_jobs=2 work=$(mktemp -d)
depth=$(bmf_changes_units \"$work\")
late=.$(printf '/late%d' $(seq 1 \"$depth\"))
mkdir -p \"$late/deeper\" && echo late >\"$late/deeper/1.\" && echo late >\"$late/2.\"
bmf_changes_split \"$mark\" \"$mark\" \"$work\" \"$depth\"
cat -- \"$work\"/*.part >\"$OLDPWD/split\"
bmf_changes_find \"$mark\" \"$mark\" . -mindepth 1 >\"$OLDPWD/one\"
echo \"born: $late\"
"
    );
    let (ok, out, err) = run(dir.path(), &spools, &body);
    assert!(ok, "{err}");
    let read = |name: &str| {
        let text = String::from_utf8_lossy(&std::fs::read(dir.path().join(name)).unwrap()).into_owned();
        let mut entries: Vec<String> =
            text.split('\0').filter(|e| !e.is_empty()).map(str::to_string).collect();
        entries.sort();
        entries
    };
    let born = out.lines().find_map(|l| l.strip_prefix("born: ")).unwrap_or_else(|| panic!("{out}"));
    let (split, one) = (read("split"), read("one"));
    for file in ["deeper/1.", "2."] {
        let entry = format!("F {born}/{file}");
        assert!(split.contains(&entry), "{entry} not listed: {split:?}");
    }
    assert_eq!(split, one, "the split scan differs from one find");
    assert!(Path::new(&spools[0]).join(&born[2..]).is_dir());
}

/// A tree as Cyrus and BlueMind 5 leave it (message files `N.` and `SHA1.zst`, written once;
/// cyrus.index beside them, rewritten in place; messages hard-linked across folders), tallied
/// after a mark as the warm pass does on the origin, then changed every way but a message
/// rewritten in place: what the mail server never does (role.yml `write_once_messages`).
const WRITE_ONCE_TREE: &str = r#"{% include "templates/lib/changes.sh" %}
{% include "templates/lib/tally.sh" %}
{% include "templates/lib/changes-folders.sh" %}
spool={{ spools | first }} nonce=0123456789abcdef0123456789abcdef here=$PWD RANDOM=11
warm=fedcba9876543210fedcba9876543210
zst=$(printf 'a%.0s' $(seq 1 39))
mkdir -p "$spool" && cd "$spool"
for i in $(seq 1 400); do
  d=data/u$((RANDOM % 12))/box$((RANDOM % 6))
  [ $((RANDOM % 4)) != 0 ] || d="$d/sub $((RANDOM % 3))"
  mkdir -p "$d" "meta/$d" "by_hash/$((i % 7))" data/u0/box0
  echo "$RANDOM" >"$d/$i." && echo "index $i" >"meta/$d/cyrus.index"
  echo "$i" >"by_hash/$((i % 7))/$zst$((i % 10)).zst"
  [ $((i % 9)) != 0 ] || ln -f "$d/$i." "data/u0/box0/shared$i."
done
ln -s data/u1 link && echo top >top-file
mkdir -p quiet/box && echo 1 >quiet/box/1. && echo 2 >quiet/box/2. && echo index >quiet/box/cyrus.index
sleep 1.1
mark0=$(date +%s)
sleep 1.1
# A message being written under its name (Cyrus's copy when it cannot link) when the warm pass
# scans: in its list, its folder unchanged after the mark, its writing ended after the tally.
echo "first half" >quiet/box/3.
find . -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 sha256sum >"$here/before"
cd "$here" && mkdir -p "$bmf_changes_dir/$warm"
bmf_changes_scan "$spool" "$mark0" "$bmf_changes_dir/$warm/$(bmf_changes_name "$spool").list0"
cd "$spool"
sleep 1.1
mark=$(date +%s)
bm_tally_take "$nonce" origin "$warm" >/dev/null
sleep 1.1
for i in $(seq 1 60); do
  f=$(find data meta by_hash -mindepth 2 -print0 | LC_ALL=C sort -z | tr '\0' '\n' | sed -n "$((RANDOM % 900 + 1))p")
  [ -n "$f" ] && [ -e "$f" ] || continue
  case $((RANDOM % 10)) in
    0) rm -rf -- "$f" ;;
    1) if [[ -f $f && $f == */cyrus.index ]]; then echo more >>"$f"; fi ;;
    2) if [ -d "$f" ]; then mv -- "$f" "$f.renamed"; fi ;;
    3) if [ -d "$f" ]; then mkdir -p "$f/new$i/deeper" && echo a >"$f/new$i/deeper/$i."; fi ;;
    4) if [ -d "$f" ]; then echo b >"$f/9$i."; fi ;;
    5) if [ -d "$f" ] && [ -d data/u3 ] && [[ $f != data/u3* ]]; then mv -- "$f" "data/u3/moved$i"; fi ;;
    6) if [[ -f $f && $f == data/* ]]; then ln -f -- "$f" "data/u5/box1/8$i." 2>/dev/null || true; fi ;;
    7) if [[ -f $f && $f == */cyrus.index ]]; then chmod 600 "$f"; fi ;;
    8) if [ -d "$f" ]; then echo c >"$f/7$i." && ln -f -- "$f/7$i." "data/u6/box2/7$i." 2>/dev/null || true; fi ;;
    9) if [[ -f $f && $f == */*. ]]; then mv -- "$f" "${f%/*}/6$i."; fi ;;
  esac
done
# Each kind once more in a folder nothing else touched: an old message linked into another
# folder (its other name is listed only by following the link), an index rewritten in place
# within its size.
mkdir -p data/u11/box9 && ln quiet/box/1. data/u11/box9/5000.
printf 'X' | dd of=quiet/box/cyrus.index bs=1 seek=1 conv=notrunc status=none
echo "second half" >>quiet/box/3.
cd "$here"
bmf_changes_folders "$spool" "$mark" "$nonce" "$here/folders" || echo "folders failed"
(cd "$spool" && bmf_changes_find "$mark" "$mark" . -mindepth 1) >"$here/full"
"#;

fn entries(path: &Path) -> std::collections::BTreeSet<String> {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    text.split('\0').filter(|e| !e.is_empty()).map(str::to_string).collect()
}

/// The freeze's scan from the tally lists what the scan of every entry lists, but for message
/// files whose only change was a name of theirs removed elsewhere (their link count: nothing
/// to send); every name of a message linked since, an index rewritten in place.
#[test]
fn the_scan_from_the_tally_lists_what_every_entrys_ctime_lists() {
    let dir = tempfile::tempdir().unwrap();
    let spools = vec![format!("{}/spool/", dir.path().display())];
    let (ok, out, err) = super::tally_tests::run_with(dir.path(), &spools, &spools, WRITE_ONCE_TREE);
    assert!(ok, "{err}");
    assert!(!out.contains("folders failed"), "{out}\n{err}");
    let (folders, full) = (entries(&dir.path().join("folders")), entries(&dir.path().join("full")));
    assert!(full.len() >= 40, "the changes listed little: {}", full.len());
    assert!(folders.is_subset(&full), "listed beyond the full scan: {:?}", folders.difference(&full));
    // What only the full scan lists: messages unchanged since the tally (their bytes then),
    // none of whose names is listed (-H would need them all).
    use std::os::unix::fs::MetadataExt;
    let before = std::fs::read_to_string(dir.path().join("before")).unwrap();
    let inode = |entry: &str| {
        let path = entry.split_once(" ./").map(|(_, p)| p).unwrap_or_else(|| panic!("{entry}"));
        std::fs::symlink_metadata(Path::new(&spools[0]).join(path)).map(|m| m.ino()).ok()
    };
    let listed: std::collections::BTreeSet<u64> = folders.iter().filter_map(|e| inode(e)).collect();
    let missed: Vec<&String> = full.difference(&folders).collect();
    for entry in &missed {
        let path = entry.split_once(" ./").map(|(_, p)| p).unwrap();
        assert!(path.ends_with('.') || path.ends_with(".zst"), "not a message: {entry}");
        let now = std::process::Command::new("sha256sum").arg(path).current_dir(&spools[0]).output().unwrap();
        let line = String::from_utf8_lossy(&now.stdout).into_owned();
        assert!(before.contains(line.trim()), "{entry} changed in place and was not listed");
        assert!(
            !listed.contains(&inode(entry).unwrap()),
            "{entry}: another name of it is listed, not this one"
        );
    }
    for name in ["./quiet/box/1.", "./data/u11/box9/5000.", "./quiet/box/cyrus.index", "./quiet/box/3."] {
        assert!(folders.contains(&format!("F {name}")), "{name} not listed: {folders:?}");
    }
    assert!(!folders.iter().any(|e| e.ends_with("./quiet/box/2.")), "{folders:?}");
    eprintln!("{} listed, {} only by the full scan", folders.len(), missed.len());
    let _ = out;
}

/// A file with more names than the tally and the changed folders hold (a tally that missed
/// one) cannot be sent as the origin links it: the scan from the tally gives up, saying why.
#[test]
fn a_hard_link_the_tally_cannot_account_for_gives_the_scan_up() {
    let dir = tempfile::tempdir().unwrap();
    let spools = vec![format!("{}/spool/", dir.path().display())];
    let body = r#"{% include "templates/lib/changes.sh" %}
{% include "templates/lib/tally.sh" %}
{% include "templates/lib/changes-folders.sh" %}
spool={{ spools | first }} nonce=0123456789abcdef0123456789abcdef warm=fedcba9876543210fedcba9876543210
mkdir -p "$spool/a" "$spool/b" && echo 1 >"$spool/a/1." && echo 2 >"$spool/b/2."
sleep 1.1
mark=$(date +%s)
# Without the warm pass's list the freeze cannot know what was being written then: not used.
bm_tally_take "$nonce" origin >/dev/null
bmf_changes_folders "$spool" "$mark" "$nonce" "$PWD/folders" || echo "without a warm list: not used"
mkdir -p "$bmf_changes_dir/$warm" && : >"$bmf_changes_dir/$warm/$(bmf_changes_name "$spool").list0"
bm_tally_take "$nonce" origin "$warm" >/dev/null
tally=$bm_tally_dir/$(bmf_changes_name "$spool")
grep -zv '/a/1\.$' "$tally.inodes" >less && cp less "$tally.inodes"
sleep 1.1
ln "$spool/a/1." "$spool/b/3."
if bmf_changes_folders "$spool" "$mark" "$nonce" "$PWD/folders"; then echo "used"; else echo "given up"; fi
"#;
    let (ok, out, err) = super::tally_tests::run_with(dir.path(), &spools, &spools, body);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "without a warm list: not used\ngiven up", "{err}");
    assert!(err.contains("a file with 2 names of which the tally and the changed folders hold 1"), "{err}");
    assert!(!dir.path().join("folders").exists());
}

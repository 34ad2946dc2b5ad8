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

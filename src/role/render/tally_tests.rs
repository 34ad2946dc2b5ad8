//! The freeze's count from the warm pass's tally (roles/bluemind/templates/lib/tally.sh) against
//! the whole count it stands in for (lib/counts.sh, `bm_counts_spool`), on real files: after
//! every kind of change a spool sees between the warm pass and the freeze (messages written,
//! appended to through a hard link, truncated, removed; folders created deep, emptied, removed
//! with all they hold, renamed, moved into another, replaced by a file), listed by the freeze's
//! own change scan (lib/changes.sh), the lines must be the whole count's to the byte. Where the
//! tally cannot be trusted (another pass's, a folder nothing listed and it never saw), the spool
//! is counted whole and the reason said.

use super::*;

const LIBS: [&str; 6] = [
    "templates/lib/clock.sh",
    "templates/lib/changes.sh",
    "templates/lib/changes-folders.sh",
    "templates/lib/bm-ini.sh",
    "templates/lib/counts.sh",
    "templates/lib/tally.sh",
];

/// The role's libraries and `body` (a shell template including them), rendered with `spools`
/// under `dir` and the role's other values, run by bash: (status, stdout, stderr).
pub(super) fn run(dir: &Path, spools: &[String], body: &str) -> (bool, String, String) {
    run_with(dir, spools, &[], body)
}

/// `run`, with `write_once` the spools whose message files are written once (role.yml
/// `write_once_messages`).
pub(super) fn run_with(
    dir: &Path,
    spools: &[String],
    write_once: &[String],
    body: &str,
) -> (bool, String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("roles/bluemind");
    let mut batch: Vec<(String, String, TemplateSource)> = LIBS
        .iter()
        .map(|name| {
            let path = root.join(name);
            let text = std::fs::read_to_string(&path).unwrap();
            (name.to_string(), text.clone(), TemplateSource::file(&path, Arc::from(text.as_str())))
        })
        .collect();
    batch.push(("body".into(), body.into(), TemplateSource::file(Path::new("body.sh"), Arc::from(body))));
    let mut r = Renderer::new();
    r.add_shell_batch(batch).unwrap();
    let mut ctx = Context::new();
    ctx.insert("work_dir", &dir.join("work").display().to_string());
    ctx.insert("spools", spools);
    ctx.insert("final_rsync_slack", &0);
    ctx.insert("write_once_messages", write_once);
    ctx.insert("bm_ini", "/nonexistent/bm.ini");
    ctx.insert("volatile_tables", &Vec::<String>::new());
    ctx.insert("databases", &Vec::<String>::new());
    let script = r.render_shell("body", &ctx).unwrap();
    let file = dir.join("script.sh");
    std::fs::write(&file, format!("set -eo pipefail\n{script}")).unwrap();
    let out = std::process::Command::new("bash").arg(&file).current_dir(dir).output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

/// Builds a random tree in every spool (bash's RANDOM seeded by the spool's number), waits past
/// three seconds (the target counts again what changed from 2 s before its tally), marks and tallies, then makes 30 random changes of every kind in each, then one
/// message is lost and one written, after the freeze's scans, in no list. `@HOST@` is origin (a
/// file rewritten in place, the freeze's change list) or target (rewritten aside and renamed as
/// rsync does, no list). Files `before`, `whole` and `tally` hold the whole count at the tally,
/// the whole count at the end and the count from the tally, sorted.
const CHANGE_EVERYTHING: &str = r#"{% include "templates/lib/changes.sh" %}
{% include "templates/lib/counts.sh" %}
{% include "templates/lib/tally.sh" %}
host=@HOST@ here=$PWD nonce=0123456789abcdef0123456789abcdef n=0
rewrite() {
  # rewrite FILE [TEXT]: FILE's content plus TEXT, or emptied.
  if [ "$host" = origin ]; then
    if [ -n "${2-}" ]; then echo "$2" >>"$1"; else : >"$1"; fi
  else
    { if [ -n "${2-}" ]; then cat -- "$1" && echo "$2"; fi; } >"${1%/*}/.aside" && mv -f -- "${1%/*}/.aside" "$1"
  fi
}
for spool in {{ spools | shell_words }}; do
  n=$((n + 1)) RANDOM=$n
  mkdir -p "$spool" && cd "$spool"
  for i in $(seq 1 80); do
    d=d$((RANDOM % 8))/e$((RANDOM % 4))
    [ $((RANDOM % 3)) != 0 ] || d=$d/f$((RANDOM % 3))
    mkdir -p "$d" && echo "$RANDOM" >"$d/$i." && echo x >"$d/cyrus.index"
  done
  ln "$(find . -type f -name '1*.' | LC_ALL=C sort | head -n 1)" d0/shared && ln -s d1 link && mkdir empty
  cd "$here"
done
bm_counts_spools | LC_ALL=C sort >before
sleep 3.1
mark=$(date +%s)
bm_tally_take "$nonce"
n=0
for spool in {{ spools | shell_words }}; do
  n=$((n + 1)) RANDOM=$n
  cd "$spool"
  for i in $(seq 1 30); do
    count=$(find . -mindepth 1 | wc -l)
    f=$(find . -mindepth 1 | LC_ALL=C sort | sed -n "$((RANDOM % count + 1))p")
    case $((RANDOM % 9)) in
      0) rm -rf -- "$f" ;;
      1) if [ -f "$f" ] && [ ! -L "$f" ]; then rewrite "$f" more; fi ;;
      2) if [ -d "$f" ] && [ ! -L "$f" ]; then mv -- "$f" "$f.renamed"; fi ;;
      3) if [ -d "$f" ] && [ ! -L "$f" ]; then mkdir -p "$f/new$i/deeper" && echo a >"$f/new$i/deeper/$i."; fi ;;
      4) if [ -f "$f" ] && [ ! -L "$f" ]; then rewrite "$f"; fi ;;
      5) if [ -d "$f" ] && [ -d d1 ] && [ ! -L "$f" ] && [[ $f != ./d1* ]]; then mv -- "$f" "d1/moved$i"; fi ;;
      6) rm -rf -- "$f" && echo "now a file" >"$f" ;;
      7) if [ -d "$f" ] && [ ! -L "$f" ]; then find "$f" -mindepth 1 -delete; fi ;;
      8) if [ -f "$f" ]; then ln -f -- "$f" "${f%/*}/link$i."; fi ;;
    esac
  done
  cd "$here"
  bmf_changes_scan "$spool" "$mark" "$here/list"
  mkdir -p "$bmf_changes_dir/$nonce" && mv list "$bmf_changes_dir/$nonce/$(bmf_changes_name "$spool").list0"
  rm -f -- "$(find "$spool" -type f -name '*.' | LC_ALL=C sort | tail -n 1)"
  echo late >"$(find "$spool" -mindepth 1 -type d | LC_ALL=C sort | head -n 1)/999."
done
bm_counts_spools | LC_ALL=C sort >whole
declare -A BMF_R=([sync_mark]="$nonce@$mark")
bm_tally_spools "$host" "mark $nonce@$mark: some entries changed" | LC_ALL=C sort >tally
"#;

fn spools(dir: &Path, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{}/spool{i}/", dir.display())).collect()
}

#[test]
fn the_tally_and_what_changed_count_what_the_whole_count_counts() {
    for host in ["origin", "target"] {
        let dir = tempfile::tempdir().unwrap();
        let spools = spools(dir.path(), 4);
        let (ok, _, err) = run(dir.path(), &spools, &CHANGE_EVERYTHING.replace("@HOST@", host));
        assert!(ok, "{host}: {err}");
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
        let (whole, tally, before) = (read("whole"), read("tally"), read("before"));
        assert!(whole.contains("spool ") && whole.contains("mailbox "), "{whole}");
        assert_ne!(whole, before, "{host}: the changes changed nothing the count sees");
        assert_eq!(tally, whole, "{host}: the tally's count differs from the whole count\n{err}");
        // Every spool was counted from its tally, some directories again, none whole.
        assert_eq!(err.matches("directories counted again").count(), spools.len(), "{host}: {err}");
        assert!(
            err.contains(
                "spools: 4 counted from the warm pass's tally and what changed since, 0 whole, 0 absent"
            ),
            "{host}: {err}"
        );
    }
}

/// A tally of another pass, or one missing a folder that nothing listed (under a folder counted
/// again for a file its change list names, not for a name created or removed in it), is not
/// used: the lines are still the whole count's, and the reason is said.
#[test]
fn a_tally_that_cannot_be_trusted_counts_the_spool_whole() {
    let dir = tempfile::tempdir().unwrap();
    let spools = spools(dir.path(), 1);
    let body = r#"{% include "templates/lib/changes.sh" %}
{% include "templates/lib/counts.sh" %}
{% include "templates/lib/tally.sh" %}
for spool in {{ spools | shell_words }}; do
  mkdir -p "$spool/a/old" "$spool/b" && echo 1 >"$spool/a/old/1." && echo 2 >"$spool/b/2." && echo k >"$spool/a/4."
  sleep 3.1
  mark=$(date +%s)
  bm_tally_take 0123456789abcdef0123456789abcdef >/dev/null
  echo 3 >>"$spool/a/4." # in place: the change list names it, its folder's ctime stays
  bmf_changes_scan "$spool" "$mark" "$PWD/list"
  bm_counts_spool "$spool" | LC_ALL=C sort >whole
  declare -A BMF_R=([sync_mark]="0123456789abcdef0123456789abcdef@$mark")
  echo "another pass:"
  bm_tally_spools origin "mark ffffffffffffffffffffffffffffffff@$mark: 1 entries changed"
  echo "a folder forgotten:"
  mkdir -p "$bmf_changes_dir/0123456789abcdef0123456789abcdef"
  cp list "$bmf_changes_dir/0123456789abcdef0123456789abcdef/$(bmf_changes_name "$spool").list0"
  tally=$bm_tally_dir/$(bmf_changes_name "$spool")
  grep -v '/a/old$' "$tally" >forgotten && cp forgotten "$tally"
  bm_tally_spools origin "mark 0123456789abcdef0123456789abcdef@$mark: 1 entries changed"
done
"#;
    let (ok, out, err) = run(dir.path(), &spools, body);
    assert!(ok, "{err}");
    let whole = std::fs::read_to_string(dir.path().join("whole")).unwrap();
    let sorted = |part: &str| {
        let mut lines: Vec<&str> = part.lines().collect();
        lines.sort();
        lines.join("\n") + "\n"
    };
    let (other, forgotten) = out.split_once("a folder forgotten:\n").unwrap();
    assert_eq!(sorted(other.trim_start_matches("another pass:\n")), whole);
    assert_eq!(sorted(forgotten), whole);
    assert!(
        err.contains("no change lists of this freeze against this host's mark") && err.contains("never saw"),
        "{err}"
    );
    assert_eq!(
        err.matches("0 counted from the warm pass's tally and what changed since, 1 whole, 0 absent").count(),
        2,
        "{err}"
    );
}

/// The origin's tally is taken while it serves: mail arrives and leaves, Cyrus creates and
/// removes folders, under the tally's walk. An entry gone between its folder's read and its stat
/// is no failure (a tally given up is a freeze that counts every spool whole, bench/README.md:
/// 4.5 s of a large tenant's downtime): its removal moved its folder's ctime, so the freeze
/// counts that folder again. The count from a tally taken under that churn must still be the
/// whole count's, to the byte.
#[test]
fn a_tally_taken_while_the_spool_changes_under_it_is_kept_and_counts_right() {
    let dir = tempfile::tempdir().unwrap();
    let spools = spools(dir.path(), 1);
    let body = r#"{% include "templates/lib/changes.sh" %}
{% include "templates/lib/counts.sh" %}
{% include "templates/lib/tally.sh" %}
nonce=0123456789abcdef0123456789abcdef failed=0
for spool in {{ spools | shell_words }}; do
  for d in $(seq 1 60); do
    mkdir -p "$spool/d$d" && for i in $(seq 1 40); do echo x >"$spool/d$d/$i."; done
  done
  sleep 3.1
  mark=$(date +%s)
  # Mail delivered and expunged, folders created and deleted, until told to stop.
  ( cd "$spool" && while [ ! -e "$OLDPWD/stop" ]; do
      for d in $(seq 1 60); do mkdir "d$d/t" && echo z >"d$d/t/1." && echo y >"d$d/n."; done
      for d in $(seq 1 60); do rm -rf -- "d$d/t" "d$d/n."; done
    done ) &
  for i in $(seq 1 40); do
    bm_tally_take "$nonce" >/dev/null 2>>take.err || failed=$((failed + 1))
  done
  touch stop && wait
  echo "failed $failed"
  echo y >"$spool/d7/late."
  bmf_changes_scan "$spool" "$mark" "$PWD/list"
  mkdir -p "$bmf_changes_dir/$nonce" && cp list "$bmf_changes_dir/$nonce/$(bmf_changes_name "$spool").list0"
  bm_counts_spool "$spool" | LC_ALL=C sort >whole
  declare -A BMF_R=([sync_mark]="$nonce@$mark")
  bm_tally_spools origin "mark $nonce@$mark: some entries changed" | LC_ALL=C sort >tally
done
"#;
    let (ok, out, err) = run(dir.path(), &spools, body);
    assert!(ok, "{err}");
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    assert_eq!(out.trim(), "failed 0", "{}", read("take.err"));
    assert_eq!(read("tally"), read("whole"), "{err}");
    assert!(err.contains("1 counted from the warm pass's tally"), "{err}");
}

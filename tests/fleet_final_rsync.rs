//! The final rsync sends what changed since the last complete hot sync, on either host
//! (roles/bluemind/templates/lib/changes.sh), instead of walking every spool in the downtime;
//! the target must still be the origin's exact copy (paths, types, modes, owners, sha256 and
//! hard-link grouping: tests/fleet/verify). Without the marks of a complete hot sync on both
//! hosts, or with `final_rsync: full`, it walks every spool as it always did.

mod common;

use common::{Bmfleet, Claim, Fleet, scratch};

/// A day on the origin between the last hot sync and the cold sync, with what rsync's quick
/// check (size and mtime) cannot see: a message delivered to two mailboxes (one inode), one
/// expunged, one rewritten in place within its size and mtime, a new folder (data and meta), a
/// file removed from a spool's top directory.
const ORIGIN_DAY: &str = r#"set -e
cd /var/spool/cyrus/data
a=$(find . -type f -name '1.' -printf '%h\n' | LC_ALL=C sort | sed -n 1p)
b=$(find . -type f -name '1.' -printf '%h\n' | LC_ALL=C sort | sed -n 2p)
printf 'Subject: the day\r\n\r\ndelivered to two mailboxes\r\n' >"$a/90001."
ln "$a/90001." "$b/90001."
rm -f -- "$b/1."
f=$(find "$a" -maxdepth 1 -type f -name '*.' ! -name 90001. | LC_ALL=C sort | sed -n 1p)
t=$(stat -c %Y "$f")
printf 'X' | dd of="$f" bs=1 seek=3 conv=notrunc status=none
touch -d "@$t" "$f"
mkdir -m 700 "$a/Nouveau" "../meta/$a/Nouveau"
cp -p "../meta/$a"/cyrus.* "../meta/$a/Nouveau/"
ln "$a/90001." "$a/Nouveau/1."
chown -R --reference="$a" "$a/Nouveau" "../meta/$a/Nouveau"
first=$(find /var/spool/bm-docs -mindepth 1 -maxdepth 1 -type f | LC_ALL=C sort | sed -n 1p)
rm -f -- "$first"
"#;

/// A folder renamed on the origin, with the folders under it (data and meta): its files keep
/// their ctime and hard links to files outside it.
const ORIGIN_RENAME: &str = r#"set -e
cd /var/spool/cyrus/data
p=$(find . -type d -name Brouillons | LC_ALL=C sort | sed -n 1p)
[ -n "$(find "$p" -mindepth 1 -type d)" ] || { echo "no folder under $p" >&2; exit 1; }
for part in data meta; do mv -- "../$part/$p" "../$part/$(dirname "$p")/Drafts"; done
"#;

/// After the hot sync, on the target, what bmfleet did not write: a file left in a mailbox,
/// and a message whose bytes changed in place within its size and mtime.
const TARGET_DAY: &str = r#"set -e
cd /var/spool/cyrus/data
a=$(find . -type f -name '2.' -printf '%h\n' | LC_ALL=C sort | sed -n 3p)
echo leftover >"$a/.rsync-leftover.XXXX"
f="$a/2."
t=$(stat -c %Y "$f")
printf 'Y' | dd of="$f" bs=1 seek=5 conv=notrunc status=none
touch -d "@$t" "$f"
"#;

/// The claimed pairs populated, prepared and hot-synced twice, as on two nights; their inventory
/// (`top` vars for all, `vars` per pair). A second apart each time: marks are whole seconds (the
/// origin's rounded down from the hot sync's start, the target's from its end), so that with
/// `final_rsync_slack: 0` the lists hold only what changed after the second hot sync, which
/// itself wrote nothing.
fn hot_synced(
    fleet: &Fleet,
    claim: &Claim,
    dir: &std::path::Path,
    top: &str,
    vars: impl Fn(usize) -> String,
) -> std::path::PathBuf {
    for p in &claim.pairs {
        fleet.populate(&p.origin);
    }
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let inv = claim.inventory(fleet, dir, top, vars);
    for phase in ["preflight", "trust", "hot-sync", "hot-sync"] {
        Bmfleet::new().arg(phase).inventory(&inv).run().code(0);
        std::thread::sleep(std::time::Duration::from_millis(1100));
    }
    inv
}

/// `hot_synced` with the defaults (warm_pass, final_rsync: changes) but no slack: the lists hold
/// the test's changes only, not the whole freshly populated spool.
fn hot_synced_without_slack(fleet: &Fleet, claim: &Claim, dir: &std::path::Path) -> std::path::PathBuf {
    hot_synced(fleet, claim, dir, "vars: { cutover_mode: none, final_rsync_slack: 0 }", |_| String::new())
}

/// The line where `step` says how it counted the spools (templates/lib/tally.sh).
fn tally_line<'a>(log: &'a str, step: &str) -> &'a str {
    log.lines()
        .find(|l| l.contains(&format!("[{step}]")) && l.contains("counted from the warm pass's tally"))
        .unwrap_or_else(|| panic!("{step} says nothing of a tally: {log}"))
}

fn log(out: &common::Outcome, pair: &str) -> String {
    out.pair_log(pair)
}

#[test]
fn the_final_rsync_sends_both_hosts_changes_and_the_copy_is_exact() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let dir = scratch();
    // No slack: the lists hold this test's changes only, not the whole freshly populated spool.
    let inv = hot_synced(
        &fleet,
        &claim,
        dir.path(),
        "vars: { cutover_mode: none, final_rsync: changes, final_rsync_slack: 0, warm_pass: false }",
        |_| String::new(),
    );
    // Both hosts carry the mark of the complete hot sync, with one nonce.
    let mark = |host: &str| {
        fleet.sh(host, &format!("sed -n 's/^sync_mark=//p' /var/lib/bmfleet/state/pair.{}", p.name))
    };
    let (origin_mark, target_mark) = (mark(&p.origin), mark(&p.target));
    // NONCE@SECS@BOOT@OFFSET: the witness of each host's clock (boot id, wall minus uptime).
    let fields: Vec<&str> = origin_mark.split('@').collect();
    assert_eq!(fields.iter().map(|f| f.len()).take(3).collect::<Vec<_>>(), [32, 10, 36], "{origin_mark}");
    assert_eq!(target_mark.split('@').count(), 4, "target's mark: {target_mark}");
    assert_eq!(origin_mark[..32], target_mark[..32], "one nonce on both hosts");
    fleet.sh(&p.origin, ORIGIN_DAY);
    fleet.sh(&p.target, TARGET_DAY);
    let out = Bmfleet::new().arg("cold-sync").inventory(&inv).run();
    out.code(0);
    let log = log(&out, &p.name);
    // The mail spool went from its lists, and they hold the day's entries, not the spool's ~700.
    let line = log
        .lines()
        .find(|l| {
            l.contains("[final rsync [/var/spool/cyrus/]] out| changes since the last pass over the spools")
        })
        .unwrap_or_else(|| panic!("the mail spool was not sent from its lists: {log}"));
    let count = |what: &str| -> u32 {
        let before = line.split(what).next().unwrap();
        before.rsplit(|c: char| !c.is_ascii_digit()).find(|w| !w.is_empty()).unwrap().parse().unwrap()
    };
    let (files, more, dirs) =
        (count(" files on the origin,"), count(" more on the target,"), count(" directories"));
    assert!((4..=40).contains(&files), "changed files of the day only, both hosts': {line}");
    // With no slack, what the target changed is all after its mark: sent whole with the origin's.
    assert_eq!(more, 0, "{line}");
    assert!((3..=40).contains(&dirs), "changed folders only: {line}");
    let (same, report) = fleet.verify_spools(&p.origin, &p.target);
    assert!(same, "{}: {report}", p.name);
}

#[test]
fn a_renamed_folder_a_foreign_mark_or_final_rsync_full_walk_the_spool() {
    let fleet = Fleet::get();
    let claim = fleet.claim(3);
    let dir = scratch();
    let inv =
        hot_synced(
            &fleet,
            &claim,
            dir.path(),
            "vars: { cutover_mode: none, warm_pass: false }",
            |i| match i {
                0 => "vars: { final_rsync: full }".into(),
                2 => "vars: { final_rsync: changes, final_rsync_slack: 0 }".into(),
                _ => "vars: { final_rsync: changes }".into(),
            },
        );
    // Pair 1's origin now names another hot sync than its target: its lists are not used.
    let other = claim.pair(1);
    fleet.sh(
        &other.origin,
        &format!(
            "sed -i 's/^sync_mark=[0-9a-f]*@/sync_mark={}@/' /var/lib/bmfleet/state/pair.{}",
            "0".repeat(32),
            other.name
        ),
    );
    for p in &claim.pairs {
        fleet.mutate(&p.origin);
    }
    fleet.sh(&claim.pair(2).origin, ORIGIN_RENAME);
    let out = Bmfleet::new().arg("cold-sync").inventory(&inv).run();
    out.code(0);
    let full = log(&out, &claim.pair(0).name);
    assert!(full.contains("final_rsync is full: walking the whole spool"), "{full}");
    let stale = log(&out, &other.name);
    assert!(stale.contains("this target holds no mark of the origin's last complete hot sync"), "{stale}");
    let renamed = log(&out, &claim.pair(2).name);
    assert!(renamed.contains("a directory moved or renamed since the last hot sync"), "{renamed}");
    assert!(
        renamed.contains("Drafts; only a walk finds its files' hard links): walking the whole spool"),
        "{renamed}"
    );
    for p in &claim.pairs {
        let (same, report) = fleet.verify_spools(&p.origin, &p.target);
        assert!(same, "{}: {report}", p.name);
    }
}

/// Shift a host's mark of pair PAIR by an hour, its clock witness with it: as if the host's
/// clock had been an hour fast at the hot sync and stepped back since (an NTP step, a wrong
/// clock set right). Works on a mark with or without the witness.
fn clock_stepped_back_an_hour(pair: &str) -> String {
    format!(
        "set -e\nf=/var/lib/bmfleet/state/pair.{pair}\nm=$(sed -n 's/^sync_mark=//p' $f)\n\
         IFS=@ read -r nonce secs boot offset <<<\"$m\"\nnew=\"$nonce@$((secs + 3600))\"\n\
         [ -z \"$boot\" ] || new=\"$new@$boot@$((offset + 360000))\"\n\
         sed -i \"s/^sync_mark=.*/sync_mark=$new/\" $f\n"
    )
}

#[test]
fn a_clock_stepped_back_or_a_restart_since_the_mark_makes_the_final_rsync_walk() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let dir = scratch();
    let inv = hot_synced(
        &fleet,
        &claim,
        dir.path(),
        "vars: { cutover_mode: none, final_rsync: changes, final_rsync_slack: 0, warm_pass: false }",
        |_| String::new(),
    );
    let (stepped, restarted) = (claim.pair(0), claim.pair(1));
    fleet.sh(&stepped.origin, &clock_stepped_back_an_hour(&stepped.name));
    // The target restarted since its mark: its record names another boot.
    fleet.sh(
        &restarted.target,
        &format!(
            "sed -i 's/^\\(sync_mark=[^@]*@[0-9]*@\\)[0-9a-f-]*@/\\1{}@/' /var/lib/bmfleet/state/pair.{}",
            "00000000-0000-4000-8000-000000000000", restarted.name
        ),
    );
    // A day on the origins that a walk sees (a walk's quick check cannot see ORIGIN_DAY's
    // rewrite within size and mtime; mutate's changes it does).
    for p in &claim.pairs {
        fleet.mutate(&p.origin);
    }
    let out = Bmfleet::new().arg("cold-sync").inventory(&inv).run();
    out.code(0);
    let log_stepped = log(&out, &stepped.name);
    // An hour back, give or take what reading the clocks twice takes (-3600.00 or -3599.99).
    let why = log_stepped
        .split("no change list from the origin (this origin's clock cannot be trusted: its clock was stepped by ")
        .nth(1)
        .unwrap_or_else(|| panic!("{log_stepped}"));
    assert!(why.starts_with("-3600.0") || why.starts_with("-3599.9"), "{why}");
    assert!(why.contains(" s since its mark (more than final_rsync_slack, 0 s)"), "{why}");
    let log_restarted = log(&out, &restarted.name);
    assert!(
        log_restarted
            .contains("this target's clock cannot be trusted (it restarted since its mark (another boot id)"),
        "{log_restarted}"
    );
    for (p, log) in [(stepped, &log_stepped), (restarted, &log_restarted)] {
        assert!(log.contains("walking the whole spool"), "{log}");
        assert!(!log.contains("changes since the last pass over the spools:"), "no list was used: {log}");
        let (same, report) = fleet.verify_spools(&p.origin, &p.target);
        assert!(same, "{}: {report}", p.name);
    }
}

/// A writer of the origin's mail spool while BlueMind serves, as LMTP deliveries are: a new
/// message in a mailbox every 50 ms until the core stops (the fleet's `bmctl stop` ends it
/// first: tests/fleet/sim/bmfleet-sim core-stop), each file whole (written aside, renamed);
/// every tenth a COPY from another folder, as Cyrus's single-instance store makes it: a hard
/// link to an old message, in a folder nothing else changes (the freeze's scan from the tally
/// finds that name by the link: templates/lib/changes-folders.sh).
const ORIGIN_WRITER: &str = r#"set -e
cd /var/spool/cyrus/data
box=$(find . -type f -name '3.' -printf '%h\n' | LC_ALL=C sort | sed -n 1p)
owner=$(stat -c %U:%G "$box")
old=$(find . -type f -name '2.' ! -path "$box/*" | LC_ALL=C sort | sed -n 1p)
rm -f /run/bm-spool-writer.pid
setsid -f bash -c '
  trap "exit 0" TERM
  echo "$$" >/run/bm-spool-writer.pid
  n=70000
  while bmfleet-sim core-status; do
    n=$((n + 1))
    if [ $((n % 10)) = 0 ]; then
      ln -- "$3" "$1/$n."
    else
      printf "Subject: while serving %d\r\n\r\nwritten until the freeze\r\n" "$n" >"$1/.tmp.$n"
      chown "$2" "$1/.tmp.$n"
      mv -f -- "$1/.tmp.$n" "$1/$n."
    fi
    echo "$n" >/run/bm-spool-writer.count
    sleep 0.05
  done' writer "$PWD/$box" "$owner" "$PWD/$old" </dev/null >/dev/null 2>&1
for _ in $(seq 100); do
  [ ! -s /run/bm-spool-writer.pid ] || exit 0
  sleep 0.05
done
echo "the spool writer did not start" >&2
exit 1
"#;

/// The line where `step` (the warm or the final rsync) says what the mail spool's lists held.
fn list_line(log: &str, step: &str) -> String {
    let needle = format!("[{step} [/var/spool/cyrus/]] out| changes since the last pass over the spools");
    log.lines()
        .find(|l| l.contains(&needle))
        .unwrap_or_else(|| panic!("no list for {step}: {log}"))
        .to_string()
}

/// The number a list line gives before `what` ("... N files on the origin, ...").
fn count_in(line: &str, what: &str) -> u32 {
    let before = line.split(what).next().unwrap();
    before.rsplit(|c: char| !c.is_ascii_digit()).find(|w| !w.is_empty()).unwrap().parse().unwrap()
}

#[test]
fn the_warm_pass_sends_the_day_while_serving_and_the_freeze_only_what_came_after() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let dir = scratch();
    let inv = hot_synced_without_slack(&fleet, &claim, dir.path());
    // A day since the last hot sync, with a rewrite within size and mtime that a walk misses
    // (a warm pass that walked, then moved the marks, would hide it from the freeze's lists too),
    // and a writer that delivers until the origin stops.
    fleet.sh(&p.origin, ORIGIN_DAY);
    fleet.sh(&p.target, TARGET_DAY);
    fleet.sh(&p.origin, ORIGIN_WRITER);
    let out = Bmfleet::new().arg("cold-sync").inventory(&inv).run();
    out.code(0);
    let log = log(&out, &p.name);
    let (warm, freeze) = (list_line(&log, "warm rsync"), list_line(&log, "final rsync"));
    // The warm pass sent the day (and the first deliveries), from the lists.
    assert!(count_in(&warm, " files on the origin,") >= 4, "{warm}");
    // The freeze sent what the writer delivered after the warm pass began, from the lists too.
    assert!(count_in(&freeze, " files on the origin,") >= 1, "{freeze}");
    let written = fleet.sh(&p.origin, "cat /run/bm-spool-writer.count");
    assert!(written.trim().parse::<u32>().unwrap() > 70000, "the writer wrote nothing: {written}");
    assert_eq!(
        fleet.sh(&p.origin, "ls /run/bm-spool-writer.pid 2>/dev/null || true").trim(),
        "",
        "the writer outlived the stop"
    );
    // The origin's freeze scan read the mail spool from its tally, not every entry's ctime.
    let scan = log
        .lines()
        .find(|l| {
            l.contains("[origin changes]") && l.contains("/var/spool/cyrus/: from the warm pass's tally")
        })
        .unwrap_or_else(|| panic!("{log}"));
    assert!(scan.contains(" folders changed,"), "{scan}");
    // Neither host counted its spools whole in the downtime: each from its tally of the warm
    // pass and what changed since (templates/lib/tally.sh), and the two counts were equal.
    for step in ["count origin", "count target spools"] {
        let tallied = tally_line(&log, step);
        assert!(count_in(tallied, " counted from the warm pass's tally") >= 1, "{tallied}");
        assert!(tallied.contains(", 0 whole,"), "{tallied}");
    }
    assert!(log.contains("verified"), "{log}");
    let (same, report) = fleet.verify_spools(&p.origin, &p.target);
    assert!(same, "{}: {report}", p.name);
}

/// The warm rsync's own writes are the warm pass's, not the freeze's: the target's mark waits
/// until they are older than the windows that look back from it (the slack, the tally's 2 s).
/// Marked at once, the target's freeze list held the warm rsync's last seconds (the day's files
/// and folders here, 4,600 folders on the bench tenant), which the final rsync sent again and the
/// target's count counted again, in the downtime. The default slack; the day made long enough
/// before the cold sync that the origin's freeze list has nothing of it.
#[test]
fn the_warm_rsyncs_own_writes_are_not_listed_again_at_the_freeze() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let dir = scratch();
    let inv = hot_synced(&fleet, &claim, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
    fleet.sh(&p.origin, ORIGIN_DAY);
    std::thread::sleep(std::time::Duration::from_secs(7));
    let out = Bmfleet::new().arg("cold-sync").inventory(&inv).run();
    out.code(0);
    let log = log(&out, &p.name);
    let (warm, freeze) = (list_line(&log, "warm rsync"), list_line(&log, "final rsync"));
    assert!(count_in(&warm, " files on the origin,") >= 4, "the warm pass sent the day: {warm}");
    assert!(freeze.contains(" 0 files on the origin, 0 more on the target, 1 directories"), "{freeze}");
    let counted = log
        .lines()
        .find(|l| l.contains("[count target spools]") && l.contains("/var/spool/cyrus/: "))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(counted.contains(": 1 directories counted again, 0 new"), "{counted}");
    let (same, report) = fleet.verify_spools(&p.origin, &p.target);
    assert!(same, "{}: {report}", p.name);
}

/// The counts before cutover come from the warm pass's tallies (templates/lib/tally.sh), which
/// count again only where something changed: a message lost on the stopped target after its
/// own change scan, in a mailbox that no list holds (nothing changed there since the warm pass:
/// no slack, no writer), must still fail the pair before cutover. The tally's counts rescan the
/// directories changed since the mark; without that, both counts would agree and the loss pass.
#[test]
fn a_message_lost_after_the_lists_still_fails_the_check() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let dir = scratch();
    let inv = hot_synced_without_slack(&fleet, &claim, dir.path());
    let role = common::role_losing_a_message(&p.name);
    let out = Bmfleet::new().arg("cold-sync").role(role.path()).inventory(&inv).run();
    out.code(3);
    let log = log(&out, &p.name);
    let tallied = tally_line(&log, "count target spools");
    assert!(tallied.contains(", 0 whole,"), "{tallied}");
    assert!(out.stdout.contains("the target is not the stopped origin's copy"), "{}", out.stdout);
    assert!(out.stdout.contains("mailbox /var/spool/cyrus/"), "the mailbox is named:\n{}", out.stdout);
    assert_eq!(
        fleet.sh(&p.origin, "cat /etc/bmfleet-sim/bluemind.state"),
        "running",
        "the origin serves again"
    );
}

//! `bmfleet report` on a real campaign, checked as a person would: three pairs hot-synced over
//! two "nights", then migrated, one of them failing at its cold sync (its target's PostgreSQL is
//! down, so the restore fails and the pair is rolled back); the report is read by a parser (every
//! pair present, the timeline's bars and downtime bands, the verdicts, the retry command, nothing
//! loaded from outside) and rendered by headless Chromium (DOM dump and screenshot).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Bmfleet, Fleet, chromium, repo, scratch};

const VARS: &str = "vars: { cutover_mode: ip, cutover_prefix: 16 }";

/// tests/report/dom.py's facts about one page (a file, or HTML on stdin with `-`).
fn dom(file: &Path, stdin: Option<&str>) -> serde_json::Value {
    use std::io::Write;
    let mut child = Command::new("python3")
        .arg(repo().join("tests/report/dom.py"))
        .arg(if stdin.is_some() { Path::new("-") } else { file })
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().unwrap().write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "dom.py {}", file.display());
    serde_json::from_slice(&out.stdout).expect("dom.py prints JSON")
}

/// Nothing on the page loads: the CSP forbids it, and no element asks for it.
fn assert_self_contained(facts: &serde_json::Value, page: &str) {
    let csp = facts["csp"][0].as_str().unwrap_or_default();
    assert!(csp.starts_with("default-src 'none'"), "{page}: CSP {csp}");
    assert_eq!(facts["outside"], serde_json::json!([]), "{page}");
    assert_eq!(facts["forbidden"], serde_json::json!([]), "{page}");
    assert_eq!(facts["style_urls"], 0, "{page}");
}

fn url(file: &Path) -> String {
    format!("file://{}", file.display())
}

struct Campaign {
    dir: tempfile::TempDir,
    inv: PathBuf,
    pairs: Vec<String>,
    failed: String,
}

/// preflight, trust, two hot syncs with the origins changing in between, then migrate, the last
/// pair's target without PostgreSQL.
fn campaign(fleet: &Fleet) -> Campaign {
    let claim = fleet.claim(3);
    for p in &claim.pairs {
        fleet.populate(&p.origin);
    }
    let dir = scratch();
    // The third pair fails at its restore (the dump method: `auto` would stream its cluster).
    let inv = claim.inventory(fleet, dir.path(), VARS, |i| {
        if i == 2 { "vars: { db_sync: dump }".into() } else { String::new() }
    });
    for phase in ["preflight", "trust", "hot-sync"] {
        let out = Bmfleet::new().arg(phase).inventory(&inv).in_dir(dir.path()).run();
        out.code(0);
        if phase == "hot-sync" {
            each_transfer_has_its_own_progress(&out.stderr);
        }
    }
    for p in &claim.pairs {
        fleet.mutate(&p.origin);
    }
    Bmfleet::new().arg("hot-sync").inventory(&inv).in_dir(dir.path()).run().code(0);
    let bad = claim.pair(2);
    fleet.set(&bad.target, "pg", "down");
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).in_dir(dir.path()).run();
    out.code(3);
    out.pair_is(&bad.name, "failed");
    let pairs = claim.pairs.iter().map(|p| p.name.clone()).collect();
    let failed = bad.name.clone();
    fleet.set(&bad.target, "pg", "up");
    drop(claim);
    Campaign { dir, inv, pairs, failed }
}

/// The plain output of a hot sync (seven rsyncs at once per pair, their progress interleaved):
/// each progress line names its pair and spool, and each spool's percentage and bytes only grow,
/// which they would not if one spool's numbers were shown under another's label.
fn each_transfer_has_its_own_progress(stderr: &str) {
    let mut last: std::collections::HashMap<String, (u64, u64)> = Default::default();
    for line in stderr.lines().filter(|l| l.contains(": rsync [") && l.contains("% ")) {
        let (_, rest) = line.split_once(' ').unwrap();
        let (label, numbers) = rest.rsplit_once(": ").unwrap();
        let mut words = numbers.split_whitespace();
        let percent: u64 = words.next().unwrap().trim_end_matches('%').parse().unwrap();
        let bytes: u64 = words.next().unwrap().replace(',', "").parse().unwrap();
        let before = last.insert(label.to_string(), (percent, bytes)).unwrap_or_default();
        assert!(percent >= before.0 && bytes >= before.1, "{label}: {before:?} then {line}\n{stderr}");
    }
    let pairs = last.keys().map(|l| l.split(':').next().unwrap()).collect::<std::collections::HashSet<_>>();
    assert!(last.len() > pairs.len(), "several spools of a pair report progress:\n{stderr}");
}

#[test]
fn report_of_a_campaign_with_a_failed_pair_reads_right_in_a_parser_and_in_chromium() {
    let fleet = Fleet::get();
    let c = campaign(&fleet);
    let out_dir = c.dir.path().join("report");
    let out =
        Bmfleet::new().arg("report").inventory(&c.inv).arg("-o").arg(&out_dir).in_dir(c.dir.path()).run();
    out.code(0);
    assert!(out.stdout.contains("Report of 3 pairs (5 runs"), "{}", out.stdout);

    // The index: every pair linked with its status, the failure first with its exact retry.
    let index = dom(&out_dir.join("index.html"), None);
    assert_self_contained(&index, "index.html");
    for pair in &c.pairs {
        assert!(index["links"].as_array().unwrap().contains(&format!("pair-{pair}.html").into()), "{index}");
        assert!(index["downtime_bars"].as_array().unwrap().contains(&pair.as_str().into()), "{index}");
    }
    assert_eq!(index["statuses"]["ok"], 2, "{index}");
    assert_eq!(index["statuses"]["failed"], 1, "{index}");
    let retry = format!("bmfleet migrate -i {} --limit {}", c.inv.display(), c.failed);
    assert_eq!(index["retry"], serde_json::json!([retry]), "{index}");

    for pair in &c.pairs {
        let page = out_dir.join(format!("pair-{pair}.html"));
        let facts = dom(&page, None);
        assert_self_contained(&facts, pair);
        assert_eq!(facts["pairs"], serde_json::json!([pair]));
        // The customer's story first: moved with its downtime, or rolled back.
        let story = facts["story_text"].as_str().unwrap_or_default();
        if *pair == c.failed {
            assert_eq!(facts["story"], "rolled-back", "{pair}: {facts}");
            assert!(story.contains("mail stayed on the old server"), "{pair}: {story}");
        } else {
            assert_eq!(facts["story"], "moved", "{pair}: {facts}");
            assert!(
                story.contains("; mail was unavailable for ") && story.contains(" UTC"),
                "{pair}: {story}"
            );
            // BlueMind 5.x (the fleet's default) has no mailbox-level check: no count is claimed
            // (tests/fleet_mailcheck.rs records them on 4.x).
            assert!(!story.contains(" mailboxes verified"), "{pair}: {story}");
        }
        // Two hot syncs over the "nights", each a bar of the campaign timeline.
        assert_eq!(facts["spans"]["campaign:hot-sync"], 2, "{pair}: {facts}");
        assert!(facts["spans"]["campaign:preflight"].as_u64() >= Some(1), "{pair}: {facts}");
        let verdicts = facts["verdicts"].as_array().unwrap();
        if *pair == c.failed {
            assert_eq!(facts["spans"]["campaign:cold-sync/failed"], 1, "{pair}: {facts}");
            assert_eq!(facts["bands"], 0, "{pair}: a failed cold sync has no downtime measured: {facts}");
            assert!(facts["retry"][0].as_str().unwrap().ends_with(&format!("--limit {pair}")), "{facts}");
        } else {
            // The downtime band on the campaign and on the close-up; the verification passed.
            assert_eq!(facts["bands"], 2, "{pair}: {facts}");
            assert_eq!(facts["pnr"], 2, "{pair}: {facts}");
            for phase in ["cold-sync", "cutover", "post"] {
                assert_eq!(facts["spans"][format!("campaign:{phase}")], 1, "{pair}: {facts}");
                assert_eq!(facts["spans"][format!("downtime:{phase}")], 1, "{pair}: {facts}");
            }
            assert_eq!(
                facts["spans"].get("downtime:hot-sync"),
                None,
                "{pair}: the close-up is the cut-over's"
            );
            assert!(verdicts.iter().all(|v| v["result"] != "failed"), "{pair}: {facts}");
            let html = std::fs::read_to_string(&page).unwrap();
            assert!(
                html.contains("counts equal to the stopped origin"),
                "{pair}: the verification's own words"
            );
        }
        assert!(!verdicts.is_empty(), "{pair}: {facts}");
    }
    chromium_checks(&out_dir, &c);
    if let Some(keep) = std::env::var_os("BMFLEET_REPORT_KEEP") {
        let _ = std::fs::remove_dir_all(&keep);
        let status = Command::new("cp").arg("-r").arg(&out_dir).arg(&keep).status().unwrap();
        assert!(status.success());
    }
}

/// What a browser shows: the DOM it built (same facts as the parser's), and a screenshot.
fn chromium_checks(out_dir: &Path, c: &Campaign) {
    let profile = scratch();
    let ok = c.pairs.iter().find(|p| **p != c.failed).unwrap();
    let page = out_dir.join(format!("pair-{ok}.html"));
    let dumped = chromium(profile.path()).arg("--dump-dom").arg(url(&page)).output().expect("chromium");
    assert!(dumped.status.success(), "chromium: {}", String::from_utf8_lossy(&dumped.stderr));
    let facts = dom(&page, Some(&String::from_utf8_lossy(&dumped.stdout)));
    assert_self_contained(&facts, "chromium's DOM");
    assert_eq!(facts["pairs"], serde_json::json!([ok]));
    assert_eq!(facts["bands"], 2, "{facts}");
    assert_eq!(facts["spans"]["campaign:hot-sync"], 2, "{facts}");
    assert!(!facts["verdicts"].as_array().unwrap().is_empty(), "{facts}");
    let index = dom(out_dir, Some(&dump(profile.path(), &out_dir.join("index.html"))));
    assert_eq!(index["statuses"]["failed"], 1, "{index}");

    let shot = out_dir.join("index.png");
    let run = chromium(profile.path())
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1100,1400")
        .arg(url(&out_dir.join("index.html")))
        .output()
        .expect("chromium");
    assert!(run.status.success(), "chromium: {}", String::from_utf8_lossy(&run.stderr));
    let png = std::fs::read(&shot).expect("the screenshot is written");
    assert_eq!(&png[1..4], b"PNG");
    assert!(png.len() > 20_000 && png.len() < 5_000_000, "screenshot of {} bytes", png.len());
}

fn dump(profile: &Path, page: &Path) -> String {
    let out = chromium(profile).arg("--dump-dom").arg(url(page)).output().expect("chromium");
    assert!(out.status.success(), "chromium: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A probe that fails (the target's PostgreSQL is down) makes the assertions over its register
/// "not checked", not nonsense ("PostgreSQL majors differ: origin 15, target "), and the checks
/// table lists the probe's own error first.
#[test]
fn an_assertion_over_a_failed_probe_is_not_checked_and_the_probe_error_comes_first() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.set(&p.target, "pg", "down");
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), VARS, |_| String::new());
    let out = Bmfleet::new().arg("preflight").inventory(&inv).run();
    fleet.set(&p.target, "pg", "up");
    out.code(3);
    assert!(!out.stdout.contains("PostgreSQL majors differ"), "{}", out.stdout);
    let checks = out.summary()["pairs"][0]["checks"].as_array().unwrap().clone();
    let same = checks.iter().find(|c| c["label"] == "same PostgreSQL").expect("the check ran");
    assert_eq!(same["result"], "skipped", "{same}");
    let message = same["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("not checked: step `") && message.ends_with("` failed"), "{message}");
    let lines: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with(&format!("  {} ", p.name))).collect();
    let probe = lines.iter().position(|l| !l.contains("not checked"));
    let unchecked = lines.iter().position(|l| l.contains("same PostgreSQL: not checked"));
    assert!(probe.is_some() && unchecked.is_some() && probe < unchecked, "{}", out.stdout);
}

/// At fleet scale the plain output (no terminal: cron, CI, logs) grows with the pairs, not with
/// their steps: a line per pair, the failed step, and the totals per phase; the successful steps
/// stay in the run directory's logs; the summary leads with the failed pair. 30 light pairs of the engine role's `walk` (10 steps each,
/// five of them a parallel group) printed about 330 lines before.
#[test]
fn at_fleet_scale_the_plain_output_is_a_line_per_pair_and_the_totals() {
    let Some(light) = std::env::var_os("BMFLEET_LIGHT_FLEET") else {
        panic!(
            "BMFLEET_LIGHT_FLEET is not set: this test needs the light fleet (`tests/fleet/fleet --light up 30`)"
        );
    };
    let text = std::fs::read_to_string(PathBuf::from(light).join("inventory.yml"))
        .expect("the light fleet's inventory");
    let pairs = text.matches("- name: ").count();
    assert!(pairs >= 30, "the light fleet has {pairs} pairs; 30 are needed");
    let dir = scratch();
    let inv = dir.path().join("inventory.yml");
    // The fleet's inventory is the BlueMind role's (`cutover_mode: none`): the engine role declares
    // `fail_pair`, not that.
    std::fs::write(&inv, text.replacen("vars:\n  cutover_mode: none\n", "vars:\n  fail_pair: p07\n", 1))
        .unwrap();
    let started = std::time::Instant::now();
    let engine = repo().join("tests/roles/engine");
    let out = Bmfleet::new().arg("run").arg(&engine).arg("walk").inventory(&inv).in_dir(dir.path()).run();
    out.code(3);
    let lines: Vec<&str> = out.stderr.lines().take_while(|l| !l.starts_with("error: ")).collect();
    // run + wave start + wave end, a line per pair, the failed step, and the totals (at the
    // first pair's end, every 30 s and at the wave's end).
    let totals = lines.iter().filter(|l| l.contains(" totals: walk: ")).count();
    let bound = 3 + pairs + 1 + totals;
    assert!(totals <= 2 + (started.elapsed().as_secs() / 30) as usize, "{totals} totals lines");
    assert!(lines.len() <= bound, "{} lines, more than {bound}:\n{}", lines.len(), lines.join("\n"));
    assert!(
        lines
            .last()
            .is_some_and(|l| l
                .ends_with(&format!(" totals: walk: {} done, 0 running, 1 failed, 0 waiting", pairs - 1))),
        "{}",
        out.stderr
    );
    assert!(
        lines.iter().any(|l| l.contains(" p07: walk/maybe fail on target ") && l.contains("failed (exit 7)"))
    );
    assert!(
        !lines.iter().any(|l| l.contains("walk/origin name")),
        "ok steps are in the logs, not the console"
    );
    // The summary leads with the pair that needs attention, and counts the many ok ones.
    let rows: Vec<&str> = out.stdout.lines().skip_while(|l| !l.starts_with("PAIR ")).skip(1).collect();
    assert!(rows[0].starts_with("p07 ") && rows[0].contains(" failed "), "{}", out.stdout);
    let shown = rows.iter().take_while(|l| l.starts_with('p')).count();
    assert!(shown <= 21, "{shown} rows:\n{}", out.stdout);
    assert!(out.stdout.contains(&format!("... and {} more pairs ok", pairs - shown)), "{}", out.stdout);
    let log = std::fs::read_to_string(out.run_dir().join("p01.log")).unwrap_or_default();
    assert!(log.contains("origin name"), "the run directory keeps every step:\n{log}");
}

//! The customer's page of `bmfleet report`, rendered by headless Chromium without a fleet: a
//! campaign written as bmfleet writes it (the journal's pair files, run directories with their
//! summaries and logs) for three tenants (one moved, one rolled back, one not moved yet), an
//! inventory with the MSP's name and logo, display names and a time zone, then `bmfleet report`
//! and what a browser shows of it: the story in plain words and Paris time first, the legend,
//! the embedded logo as the one image, nothing loaded from anywhere, and a screenshot.
//! `BMFLEET_REPORT_SHOT=docs/report-pair.png` keeps the moved tenant's screenshot there.
//! (tests/fleet_report.rs checks the same page on a real campaign.)

mod common;

use std::path::Path;
use std::process::Command;

use common::{Bmfleet, chromium, repo, scratch};
use serde_json::json;

const INVENTORY: &str = r#"report:
  msp_name: Example Hosting
  msp_logo: msp.svg
  time_zone: Europe/Paris
pairs:
  - name: acme
    display_name: ACME Corp
    origin: { host: bm-old.acme.example }
    target: { host: bm-new.acme.example }
  - name: globex
    display_name: Globex
    origin: { host: bm-old.globex.example }
    target: { host: bm-new.globex.example }
  - name: initech
    wave: 2
    origin: { host: bm-old.initech.example }
    target: { host: bm-new.initech.example }
"#;

const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40"><rect width="40" height="40" rx="8" fill="#1f4fb8"/><path d="M10 28 L20 10 L30 28 Z" fill="#fff"/></svg>"##;

/// Seconds since the epoch of a time in UTC.
fn t(text: &str) -> f64 {
    let out = Command::new("date").args(["-u", "-d", text, "+%s"]).output().expect("date");
    String::from_utf8_lossy(&out.stdout).trim().parse().expect("a date")
}

fn stamp(at: f64) -> String {
    let out = Command::new("date").args(["-u", "-d", &format!("@{at}"), "+%Y-%m-%dT%H:%M:%S.000Z"]).output();
    String::from_utf8_lossy(&out.expect("date").stdout).trim().to_string()
}

fn transfer(bytes: u64, files: u64, secs: f64) -> serde_json::Value {
    json!({ "files": 52_000, "files_transferred": files, "bytes_total": 9_600_000_000u64,
            "bytes_transferred": bytes, "secs": secs, "warnings": 0 })
}

/// A pair in a run: its name, its entry of `summary.json`, its phases' (phase, start, end, ok).
type RunPair<'a> = (&'a str, serde_json::Value, Vec<(&'a str, f64, f64, bool)>);

/// One run directory: `summary.json`, and each pair's log from (phase, start, end, ok) spans.
fn run(dir: &Path, id: &str, phases: &[&str], pairs: &[RunPair]) {
    let run = dir.join("runs").join(id);
    std::fs::create_dir_all(&run).unwrap();
    let summaries: Vec<serde_json::Value> = pairs.iter().map(|p| p.1.clone()).collect();
    let summary = json!({ "run_id": id, "phases": phases, "duration": 60.0, "pairs": summaries });
    std::fs::write(run.join("summary.json"), summary.to_string()).unwrap();
    for (pair, _, spans) in pairs {
        let log: String = spans
            .iter()
            .map(|(phase, a, b, ok)| {
                let how = if *ok { "completed" } else { "failed" };
                format!(
                    "{} == {phase}/step on host (attempt 1)\n{} phase {phase} {how}\n",
                    stamp(*a),
                    stamp(*b)
                )
            })
            .collect();
        std::fs::write(run.join(format!("{pair}.log")), log).unwrap();
    }
}

/// Three nights of hot syncs, then the night of the move (2 Dec 2026, Paris time).
fn campaign(dir: &Path) {
    std::fs::write(dir.join("fleet.yml"), INVENTORY).unwrap();
    std::fs::write(dir.join("msp.svg"), LOGO).unwrap();
    let nights = ["2026-11-29 23:00", "2026-11-30 23:00", "2026-12-01 23:00"];
    for (i, night) in nights.iter().enumerate() {
        let at = t(night);
        let secs = [2400.0, 380.0, 240.0][i];
        let id = format!("2026{}-{}-100{i}", ["1129", "1130", "1201"][i], "230000");
        let phases = if i == 0 { vec!["preflight", "trust", "hot-sync"] } else { vec!["hot-sync"] };
        let pairs: Vec<_> = ["acme", "globex", "initech"]
            .iter()
            .map(|p| {
                let summary = json!({ "pair": p, "status": "ok",
                    "transfers": { "hot-sync": transfer([9_000_000_000, 310_000_000, 120_000_000][i], 400, secs) } });
                let mut spans = vec![("hot-sync", at + 60.0, at + 60.0 + secs, true)];
                if i == 0 {
                    spans.insert(0, ("trust", at + 30.0, at + 40.0, true));
                    spans.insert(0, ("preflight", at, at + 30.0, true));
                }
                (*p, summary, spans)
            })
            .collect();
        run(dir, &id, &phases, &pairs);
    }
    let m = t("2026-12-02 00:05");
    let acme = json!({ "pair": "acme", "status": "ok",
        "checks": [{ "phase": "cold-sync", "label": "same mailboxes before cutover", "result": "ok",
                     "message": "all 12345 messages in 40 mailboxes on the target" },
                   { "phase": "cold-sync", "label": "same data before cutover", "result": "ok" },
                   { "phase": "post", "label": "mail flows", "result": "ok" }],
        "transfers": { "cold-sync": transfer(4_200_000, 31, 6.5) } });
    let acme_spans = vec![
        ("hot-sync", m, m + 270.0, true),
        ("cold-sync", m + 275.0, m + 298.0, true),
        ("revoke-trust", m + 298.0, m + 299.0, true),
        ("cutover", m + 299.0, m + 304.0, true),
        ("post", m + 304.0, m + 340.0, true),
    ];
    let globex = json!({ "pair": "globex", "status": "failed", "failed_step": "cold-sync/restore bj",
        "message": "failed (exit 1)", "tail": ["psql: connection refused"],
        "rollback": { "ok": true, "message": "rolled back: origin back in service" } });
    let globex_spans = vec![
        ("hot-sync", m, m + 250.0, true),
        ("cold-sync", m + 255.0, m + 290.0, false),
        ("rollback", m + 291.0, m + 320.0, true),
    ];
    let phases = ["preflight", "hot-sync", "cold-sync", "revoke-trust", "cutover", "post"];
    run(
        dir,
        "20261202-000500-2000",
        &phases,
        &[("acme", acme, acme_spans), ("globex", globex, globex_spans)],
    );
    journals(dir, m);
}

/// The journal as the runs left it: acme past its point of no return with its downtime records
/// and verified counts; globex and initech hot-synced.
fn journals(dir: &Path, m: f64) {
    let pairs = dir.join(".bmfleet/fleet/pairs");
    std::fs::create_dir_all(&pairs).unwrap();
    let last = t("2026-12-01 23:00") + 300.0;
    let sync = json!({ "at": last, "run_id": "20261201-230000-1002" }).as_object().unwrap().clone();
    let mut sync = sync;
    sync.extend(transfer(120_000_000, 400, 240.0).as_object().unwrap().clone());
    for (pair, moved) in [("acme", true), ("globex", false), ("initech", false)] {
        let done = |run: &str| json!({ "completed_at": m, "run_id": run });
        let mut j = json!({ "pair": pair, "phases": { "preflight": done("r"), "trust": done("r"), "hot-sync": done("r") },
            "last_hot_sync": sync, "last_status": if pair == "globex" { "failed" } else { "ok" } });
        if moved {
            for p in ["cold-sync", "revoke-trust", "cutover", "post"] {
                j["phases"][p] = done("20261202-000500-2000");
            }
            j["records"] = json!({ "downtime_start": m + 280.0, "downtime_end": m + 305.0 });
            j["values"] = json!({ "verified_messages": 12_345, "verified_mailboxes": 40 });
            j["point_of_no_return"] = json!({ "at": m + 300.0, "run_id": "20261202-000500-2000", "step": "cutover/stop origin for good" });
        }
        std::fs::write(pairs.join(format!("{pair}.json")), j.to_string()).unwrap();
    }
}

/// tests/report/dom.py's facts about Chromium's DOM of `page`.
fn browser_facts(profile: &Path, page: &Path) -> serde_json::Value {
    let out = chromium(profile).arg("--dump-dom").arg(format!("file://{}", page.display())).output().unwrap();
    assert!(out.status.success(), "chromium: {}", String::from_utf8_lossy(&out.stderr));
    let mut child = Command::new("python3")
        .arg(repo().join("tests/report/dom.py"))
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&out.stdout).unwrap();
    let facts = child.wait_with_output().unwrap();
    assert!(facts.status.success(), "dom.py");
    serde_json::from_slice(&facts.stdout).unwrap()
}

fn self_contained(facts: &serde_json::Value, page: &str) {
    let csp = facts["csp"][0].as_str().unwrap_or_default();
    assert_eq!(csp, "default-src 'none'; style-src 'unsafe-inline'; img-src data:", "{page}");
    assert_eq!(facts["outside"], json!([]), "{page}: {facts}");
    assert_eq!(facts["forbidden"], json!([]), "{page}: {facts}");
    assert_eq!(facts["logos"], json!(["data:image/svg+xml"]), "{page}: the MSP's logo, embedded");
}

#[test]
fn the_customer_reads_what_happened_first_in_plain_words_and_paris_time() {
    let dir = scratch();
    campaign(dir.path());
    let out = Bmfleet::new()
        .arg("report")
        .inventory(&dir.path().join("fleet.yml"))
        .args(["-o", "report"])
        .in_dir(dir.path())
        .run();
    out.code(0);
    assert!(out.stdout.contains("Report of 3 pairs (4 runs"), "{}{}", out.stdout, out.stderr);
    let profile = scratch();
    let report = dir.path().join("report");
    let stories = [
        (
            "acme",
            "moved",
            "ACME Corp moved on 2 Dec 2026; mail was unavailable for 25 s, 01:09–01:10 CET; 12,345 messages in 40 mailboxes verified.",
        ),
        (
            "globex",
            "rolled-back",
            "The move of Globex on 2 Dec 2026 was rolled back; mail stayed on the old server.",
        ),
        (
            "initech",
            "not-yet",
            "initech has not moved yet: last hot sync 2 Dec 2026, 00:01 CET; mail is still served by the old server.",
        ),
    ];
    for (pair, kind, text) in stories {
        let facts = browser_facts(profile.path(), &report.join(format!("pair-{pair}.html")));
        self_contained(&facts, pair);
        assert_eq!(facts["story"], kind, "{pair}: {facts}");
        assert_eq!(facts["story_text"].as_str().unwrap().trim(), text, "{pair}");
        assert_eq!(facts["pairs"], json!([pair]));
        let legend = facts["legend"].as_array().unwrap();
        assert!(legend.contains(&"sync-repeatable".into()), "{pair}: {facts}");
        if pair == "acme" {
            for key in ["sync-final", "downtime", "pnr", "phase-cutover", "phase-post"] {
                assert!(legend.contains(&key.into()), "{pair}: no {key} in the legend: {facts}");
            }
            assert_eq!(facts["bands"], 2, "{facts}");
        }
    }
    let index = browser_facts(profile.path(), &report.join("index.html"));
    self_contained(&index, "index");
    screenshot(profile.path(), &report.join("pair-acme.html"));
}

/// The moved tenant's page as a browser draws it: a PNG of a plausible size, kept where
/// `BMFLEET_REPORT_SHOT` says (the README's picture, docs/report-pair.png).
fn screenshot(profile: &Path, page: &Path) {
    let shot = page.with_extension("png");
    let run = chromium(profile)
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1000,1100")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(run.status.success(), "chromium: {}", String::from_utf8_lossy(&run.stderr));
    let png = std::fs::read(&shot).expect("the screenshot is written");
    assert_eq!(&png[1..4], b"PNG");
    assert!(png.len() > 20_000 && png.len() < 5_000_000, "screenshot of {} bytes", png.len());
    if let Some(keep) = std::env::var_os("BMFLEET_REPORT_SHOT") {
        std::fs::copy(&shot, repo().join(keep)).expect("keep the screenshot");
    }
}

//! Rollback until the point of no return (issue #11): a pair whose cold sync is stopped by
//! `--until` or Ctrl-C, or that fails after its cold sync and before its cutover, gets its origin
//! back in service and its target stopped; `bmfleet rollback` does it on demand; once a pair is
//! past its point of no return the journal refuses rollback, trust and hot-sync for it. In every
//! run the other pairs migrate and verify.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Bmfleet, Claim, Fleet, FleetPair, journal_in, scratch, wait_for};

fn journal(state: &Path, pair: &str) -> serde_json::Value {
    journal_in(&state.join("pairs"), pair)
}

/// The stand-ins' record of BlueMind and postfix on a host: (bluemind, postfix).
fn services(fleet: &Fleet, host: &str) -> (String, String) {
    let state = |f: &str| fleet.sh(host, &format!("cat /etc/bmfleet-sim/{f}.state"));
    (state("bluemind"), state("postfix"))
}

fn running() -> (String, String) {
    ("running".into(), "running".into())
}

fn stopped() -> (String, String) {
    ("stopped".into(), "stopped".into())
}

/// The origin serves again and the target is stopped.
fn assert_rolled_back(fleet: &Fleet, p: &FleetPair, summary: &serde_json::Value, state: &Path) {
    assert_eq!(services(fleet, &p.origin), running(), "{}: the origin serves again", p.name);
    assert_eq!(services(fleet, &p.target), stopped(), "{}: the target stays stopped", p.name);
    let report = pair_report(summary, &p.name);
    assert_eq!(report["rollback"]["ok"], true, "{report}");
    assert_eq!(report["rollback"]["message"], "rolled back: origin back in service", "{report}");
    let j = journal(state, &p.name);
    assert!(j["phases"]["rollback"].is_object(), "the journal records the rollback: {j}");
    assert!(j["phases"]["cold-sync"].is_null(), "a fresh cold sync is needed before cutover: {j}");
}

/// A pair that completed its migration: its target holds the origin's data and serves.
fn assert_migrated(fleet: &Fleet, p: &FleetPair, summary: &serde_json::Value) {
    let report = pair_report(summary, &p.name);
    assert_eq!(report["status"], "ok", "{report}");
    assert!(report["rollback"].is_null(), "{report}");
    let (same, diff) = fleet.verify(&p.origin, &p.target);
    assert!(same, "{}: {diff}", p.name);
    assert_eq!(services(fleet, &p.target), running(), "{}: the target serves", p.name);
}

fn pair_report<'a>(summary: &'a serde_json::Value, pair: &str) -> &'a serde_json::Value {
    summary["pairs"].as_array().unwrap().iter().find(|r| r["pair"] == pair).unwrap()
}

/// Two populated pairs, trusted and hot-synced; then the first pair's origin gets a large new
/// file, which its final rsync copies slowly (`rsync_bwlimit_kbps` of the returned inventory).
fn slow_cold_sync_setup(fleet: &Fleet, claim: &Claim, dir: &Path, state: &Path) -> std::path::PathBuf {
    for p in &claim.pairs {
        fleet.populate(&p.origin);
    }
    let fast = claim.inventory(fleet, dir, "vars: { cutover_mode: none }", |_| String::new());
    for phase in ["preflight", "trust", "hot-sync"] {
        Bmfleet::new().arg(phase).inventory(&fast).arg("--state-dir").arg(state).run().code(0);
    }
    let slow = claim.pair(0);
    fleet.sh(&slow.origin, "head -c 120M /dev/urandom >/var/spool/bm-filehosting/large-upload.bin");
    // Without the warm pass, the slow transfer is the final rsync's, in the downtime (the subject
    // of these tests); with it, the warm pass would send it while the origin still serves.
    claim.inventory(fleet, dir, "vars: { cutover_mode: none }", |i| {
        if i == 0 { "vars: { rsync_bwlimit_kbps: 1000, warm_pass: false }".into() } else { String::new() }
    })
}

#[test]
fn a_cold_sync_stopped_by_until_puts_the_origin_back_in_service() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (slow, other) = (claim.pair(0), claim.pair(1));
    let dir = scratch();
    let state = dir.path().join("state");
    let inv = slow_cold_sync_setup(&fleet, &claim, dir.path(), &state);

    let started = Instant::now();
    let out = Bmfleet::new()
        .args(["migrate", "--yes", "--until", "+45s", "--state-dir"])
        .arg(&state)
        .inventory(&inv)
        .run();
    out.code(6);
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "stopped at the deadline, not at the end of the rsync"
    );
    let summary = out.summary();
    out.pair_is(&slow.name, "stopped");
    assert!(
        pair_report(&summary, &slow.name)["failed_step"].as_str().unwrap().starts_with("cold-sync/"),
        "{summary}"
    );
    assert_rolled_back(&fleet, slow, &summary, &state);
    assert!(
        out.stdout.contains(&format!("{}: rolled back: origin back in service", slow.name)),
        "{}",
        out.stdout
    );
    assert_migrated(&fleet, other, &summary);
}

#[test]
fn a_cold_sync_hit_by_ctrl_c_puts_the_origin_back_in_service() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (slow, other) = (claim.pair(0), claim.pair(1));
    let dir = scratch();
    let state = dir.path().join("state");
    let inv = slow_cold_sync_setup(&fleet, &claim, dir.path(), &state);

    let (child, runs) = Bmfleet::new()
        .args(["migrate", "--yes", "--grace", "1", "--state-dir"])
        .arg(&state)
        .inventory(&inv)
        .spawn();
    wait_for("the other pair's migration and the slow pair's downtime", Duration::from_secs(120), || {
        journal(&state, &other.name)["phases"]["post"].is_object()
            && fleet.sh(&slow.origin, "cat /etc/bmfleet-sim/bluemind.state") == "stopped"
    });
    std::thread::sleep(Duration::from_millis(500));
    // SAFETY: sending SIGINT to the child we spawned.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let text = std::fs::read_to_string(common::run_dirs(&runs).pop().unwrap().join("summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(summary["interrupted"], true);
    assert_eq!(pair_report(&summary, &slow.name)["status"], "stopped", "{summary}");
    assert_rolled_back(&fleet, slow, &summary, &state);
    assert!(stdout.contains(&format!("{}: rolled back: origin back in service", slow.name)), "{stdout}");
    assert_migrated(&fleet, other, &summary);
}

#[test]
fn a_failure_after_the_cold_sync_rolls_back_and_a_cut_over_pair_is_refused() {
    let fleet = Fleet::get();
    let claim = fleet.claim(3);
    let (failing, migrated, waiting) = (claim.pair(0), claim.pair(1), claim.pair(2));
    for p in &claim.pairs {
        fleet.populate(&p.origin);
    }
    let dir = scratch();
    let state = dir.path().join("state");
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
    let bmfleet = |args: &[&str]| Bmfleet::new().args(args).inventory(&inv).arg("--state-dir").arg(&state);
    for phase in ["preflight", "trust", "hot-sync", "cold-sync"] {
        bmfleet(&[phase]).run().code(0);
    }
    // A cold sync that succeeded rolls nothing back: the origins wait, stopped, for the cutover.
    for p in &claim.pairs {
        assert_eq!(services(&fleet, &p.origin), stopped(), "{}", p.name);
    }

    // On demand: the third pair's operator changes their mind.
    let out = bmfleet(&["rollback", "--limit", &waiting.name]).run();
    out.code(0);
    assert_rolled_back(&fleet, waiting, &out.summary(), &state);

    // The first pair's revoke-trust fails on its target (the key file cannot be removed).
    fleet.sh(
        &failing.target,
        "rm -f /root/.ssh/bmfleet_migration_ed25519.pub && mkdir -p /root/.ssh/bmfleet_migration_ed25519.pub/x",
    );
    let out = bmfleet(&["migrate", "--yes", "--limit", &format!("{},{}", failing.name, migrated.name)]).run();
    out.code(3);
    let summary = out.summary();
    out.pair_is(&failing.name, "failed");
    assert_eq!(pair_report(&summary, &failing.name)["failed_step"], "revoke-trust/revoke on target");
    assert_rolled_back(&fleet, failing, &summary, &state);
    assert_migrated(&fleet, migrated, &summary);
    assert_eq!(pair_report(&summary, &migrated.name)["point_of_no_return"], "cutover/stop origin for good");
    let j = journal(&state, &migrated.name);
    assert_eq!(j["point_of_no_return"]["step"], "cutover/stop origin for good", "{j}");
    // And the pair left waiting now needs a new cold sync: its cutover is blocked.
    let out = bmfleet(&["cutover", "--yes", "--limit", &waiting.name]).run();
    out.code(3);
    out.pair_is(&waiting.name, "blocked");

    // Past its point of no return, the journal refuses whatever --force says.
    let target_before = fleet.sh(&migrated.target, "cat /etc/bmfleet-sim/calls.log | wc -l");
    for phase in ["rollback", "trust", "hot-sync", "cold-sync"] {
        let out = bmfleet(&[phase, "--force", "--limit", &migrated.name]).run();
        out.code(3);
        assert_eq!(out.pair_status(&migrated.name), "blocked", "{phase}");
        assert!(out.stdout.contains("passed its point of no return"), "{phase}: {}", out.stdout);
        assert!(out.stdout.contains("--unsafe-override-host-state"), "{phase}: {}", out.stdout);
    }
    let out = bmfleet(&["migrate", "--yes", "--from-phase", "hot-sync", "--limit", &migrated.name]).run();
    out.code(3);
    out.pair_is(&migrated.name, "blocked");
    assert_eq!(
        fleet.sh(&migrated.target, "cat /etc/bmfleet-sim/calls.log | wc -l"),
        target_before,
        "nothing ran on the live target"
    );
    assert_eq!(services(&fleet, &migrated.target), running());
    assert!(fleet.verify(&migrated.origin, &migrated.target).0);

    // The explicit, per-pair override lifts the refusal, loudly.
    let out =
        bmfleet(&["trust", "--limit", &migrated.name, "--unsafe-override-host-state", &migrated.name]).run();
    out.code(0);
    assert!(out.stderr.contains("UNSAFE"), "{}", out.stderr);
    assert!(out.stdout.contains("UNSAFE: --unsafe-override-host-state"), "{}", out.stdout);
    let summary = out.summary();
    assert_eq!(summary["overrides"], serde_json::json!([migrated.name]));
    assert_eq!(pair_report(&summary, &migrated.name)["host_state_override"], true);
    // A warning in the pair's log, never an action for the operator (issue #27): a
    // BMFLEET-MANUAL line from the origin's guard was a channel from the origin to the operator.
    assert_eq!(pair_report(&summary, &migrated.name)["manual"], serde_json::json!([]), "{summary}");
    let log = out.pair_log(&migrated.name);
    assert!(
        log.contains(&format!(
            "bmfleet: WARNING: host_state_override is set for pair {}: going on although",
            migrated.name
        )),
        "{log}"
    );
    bmfleet(&["trust", "--revoke", "--limit", &migrated.name]).run().code(0);
}

#[test]
fn a_rollback_that_cannot_stop_the_target_says_so_loudly_and_bmfleet_rollback_finishes_it() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (lost, other) = (claim.pair(0), claim.pair(1));
    let dir = scratch();
    let state = dir.path().join("state");
    let inv = slow_cold_sync_setup(&fleet, &claim, dir.path(), &state);
    let bmfleet = |args: &[&str]| Bmfleet::new().args(args).inventory(&inv).arg("--state-dir").arg(&state);
    // The target's link goes down during the downtime: the origin is stopped and the target
    // cannot be made sure of, so the rollback does not start the origin (two servers could answer).
    let (child, runs) = bmfleet(&["migrate", "--yes", "--keepalive", "1"]).spawn();
    wait_for("the downtime of the pair to lose", Duration::from_secs(120), || {
        fleet.sh(&lost.origin, "cat /etc/bmfleet-sim/bluemind.state") == "stopped"
    });
    fleet.set(&lost.target, "link", "down");
    let output = child.wait_with_output().unwrap();
    fleet.set(&lost.target, "link", "up");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "a failed rollback is a failure: {stdout}");
    let text = std::fs::read_to_string(common::run_dirs(&runs).pop().unwrap().join("summary.json")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    let report = pair_report(&summary, &lost.name);
    assert_eq!(report["status"], "unreachable", "{report}");
    assert_eq!(report["rollback"]["ok"], false, "{report}");
    assert_eq!(report["rollback"]["failed_step"], "rollback/stop target services", "{report}");
    assert!(stdout.contains("ROLLBACK FAILED: rollback/stop target services, "), "{stdout}");
    assert!(stdout.contains(&format!("--limit {}`", lost.name)), "what to do: {stdout}");
    assert!(stdout.contains("1 ROLLBACK FAILED"), "{stdout}");
    assert_eq!(services(&fleet, &lost.origin).0, "stopped");
    assert!(journal(&state, &lost.name)["phases"]["rollback"].is_null());
    assert_migrated(&fleet, other, &summary);

    // Once the target answers again, the operator finishes it on demand. The killed run's lock
    // holder on the target outlives it until its watchdog misses 3 heartbeats after the link came
    // back (the controller that could have released it is gone): until then the pair is busy
    // (exit 5), and an operator tries again, as this does.
    let started = std::time::Instant::now();
    let out = loop {
        let out = bmfleet(&["rollback", "--limit", &lost.name]).run();
        if out.code != 5 || started.elapsed() > Duration::from_secs(60) {
            break out;
        }
        std::thread::sleep(Duration::from_secs(1));
    };
    out.code(0);
    assert_rolled_back(&fleet, lost, &out.summary(), &state);
}

/// Issue #24: the point of no return follows the host, not the plan. `post` run on a pair whose
/// copied bm.ini names the origin's address (cutover_mode none: no address moved) is refused by
/// "start target services"' own guard, before it starts anything: the pair is not past its
/// point of no return, it rolls back, and `bmfleet rollback` is accepted. The other pair's
/// guard lets it through: its point of no return is that step, as its host said.
#[test]
fn a_start_its_guard_refuses_is_not_the_point_of_no_return_and_rollback_is_accepted() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (refused, started) = (claim.pair(0), claim.pair(1));
    // As BlueMind writes it on a real server: bm.ini `host` is the origin's own address.
    fleet.sh(&refused.origin, &format!("sed -i 's/^host *=.*/host={}/' /etc/bm/bm.ini", refused.origin_addr));
    for p in &claim.pairs {
        fleet.populate(&p.origin);
    }
    let dir = scratch();
    let state = dir.path().join("state");
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
    let bmfleet = |args: &[&str]| Bmfleet::new().args(args).inventory(&inv).arg("--state-dir").arg(&state);
    for phase in ["preflight", "trust", "hot-sync", "cold-sync"] {
        bmfleet(&[phase]).run().code(0);
    }
    let out = bmfleet(&["post"]).run();
    out.code(3);
    let summary = out.summary();
    let report = pair_report(&summary, &refused.name);
    assert_eq!(report["failed_step"], "post/start target services", "{report}");
    assert!(out.stdout.contains("is not an address of this target"), "{}", out.stdout);
    assert!(report["point_of_no_return"].is_null(), "the host refused before its point: {report}");
    let j = journal(&state, &refused.name);
    assert!(j["point_of_no_return"].is_null(), "{j}");
    // Before its point of no return, a failure rolls the pair back at once.
    assert_rolled_back(&fleet, refused, &summary, &state);

    // And on demand: the journal accepts the rollback, the origin stays in service.
    let out = bmfleet(&["rollback", "--limit", &refused.name]).run();
    out.code(0);
    assert!(!out.stdout.contains("passed its point of no return"), "{}", out.stdout);
    assert_rolled_back(&fleet, refused, &out.summary(), &state);

    // The other pair passed its guard: the start is its point of no return, and it serves.
    let j = journal(&state, &started.name);
    assert_eq!(j["point_of_no_return"]["step"], "post/start target services", "{j}");
    assert_eq!(services(&fleet, &started.target).0, "running");
    let out = bmfleet(&["rollback", "--limit", &started.name]).run();
    out.code(3);
    assert!(out.stdout.contains("passed its point of no return"), "{}", out.stdout);
}

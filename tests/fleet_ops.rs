//! Operating a fleet over weeks: the journal survives a killed controller, locks keep two runs
//! off one pair, `--until` bounds nightly runs, `status` reads the journal.

mod common;

use std::time::{Duration, Instant};

use common::{Bmfleet, Fleet, journal_in, scratch, wait_for};

fn journal(dir: &std::path::Path, pair: &str) -> serde_json::Value {
    journal_in(&dir.join(".bmfleet/inventory/pairs"), pair)
}

#[test]
fn a_killed_controller_leaves_an_intact_journal_and_migrate_resumes() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    for p in &claim.pairs {
        fleet.populate(&p.origin);
    }
    let dir = scratch();
    // A slow hot sync, so the controller dies in the middle of it.
    let inv = claim.inventory(
        &fleet,
        dir.path(),
        "vars: { cutover_mode: ip, cutover_prefix: 16, rsync_bwlimit_kbps: 1500 }",
        |_| String::new(),
    );
    let (mut child, _) = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).in_dir(dir.path()).spawn();
    wait_for("trust on both pairs", Duration::from_secs(120), || {
        claim.pairs.iter().all(|p| journal(dir.path(), &p.name)["phases"]["trust"].is_object())
    });
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap(); // SIGKILL: no cleanup at all
    child.wait().unwrap();
    let before: Vec<serde_json::Value> = claim.pairs.iter().map(|p| journal(dir.path(), &p.name)).collect();
    for (p, j) in claim.pairs.iter().zip(&before) {
        assert!(j.is_object(), "the journal of {} is valid JSON after SIGKILL", p.name);
        assert!(j["phases"]["trust"].is_object() && !j["phases"]["cold-sync"].is_object(), "{j}");
    }
    // The pair locks die with the connections: the rerun is not refused as busy.
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).in_dir(dir.path()).run();
    out.code(0);
    let summary = out.summary();
    for (p, old) in claim.pairs.iter().zip(&before) {
        let j = journal(dir.path(), &p.name);
        assert_eq!(
            j["phases"]["preflight"]["run_id"], old["phases"]["preflight"]["run_id"],
            "preflight was not redone"
        );
        let report =
            summary["pairs"].as_array().unwrap().iter().find(|r| r["pair"] == p.name.as_str()).unwrap();
        let done: Vec<&str> =
            report["phases_completed"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(done[0], "hot-sync", "{} resumed at the phase the kill interrupted: {done:?}", p.name);
        assert!(j["phases"]["post"].is_object());
        let (same, report) = fleet.verify(&p.origin, &p.target);
        assert!(same, "{}: {report}", p.name);
    }
    let phases: Vec<&str> =
        summary["phases"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(phases[0], "hot-sync", "the rerun's plan starts where the pairs stopped: {phases:?}");
}

#[test]
fn two_runs_on_one_pair_leave_one_of_them_busy() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "vars: { rsync_bwlimit_kbps: 1500 }", |_| String::new());
    // trust requires preflight (it records the pair on both hosts).
    Bmfleet::new().args(["preflight"]).inventory(&inv).in_dir(dir.path()).run().code(0);
    Bmfleet::new().args(["trust"]).inventory(&inv).in_dir(dir.path()).run().code(0);
    // Two controllers (two state directories, hence --force: their journals never saw the
    // trust): a "nightly job" and an operator.
    let (first, _) = Bmfleet::new()
        .args(["hot-sync", "--force", "--state-dir"])
        .arg(dir.path().join("nightly"))
        .inventory(&inv)
        .spawn();
    let owner = format!("(pid {})", first.id());
    wait_for("the first run to hold the pair", Duration::from_secs(60), || {
        fleet.exec(&p.target, &format!("grep -qF '{owner}' /run/bmfleet/pair.owner")).status.success()
    });
    let second = Bmfleet::new()
        .args(["hot-sync", "--force", "--state-dir"])
        .arg(dir.path().join("operator"))
        .inventory(&inv)
        .run();
    second.code(5);
    second.pair_is(&p.name, "busy");
    assert!(second.stdout.contains("another run works on this pair: run "), "{}", second.stdout);
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    // And one run at a time per state directory.
    let dir2 = scratch();
    let (holder, _) =
        Bmfleet::new().args(["hot-sync", "--force", "--state-dir"]).arg(dir2.path()).inventory(&inv).spawn();
    wait_for("the controller lock", Duration::from_secs(30), || {
        std::fs::read_to_string(dir2.path().join("controller.lock")).is_ok_and(|t| t.contains("run"))
    });
    let refused =
        Bmfleet::new().args(["hot-sync", "--force", "--state-dir"]).arg(dir2.path()).inventory(&inv).run();
    refused.code(5);
    assert!(refused.stderr.contains("one run at a time per state directory"), "{}", refused.stderr);
    holder.wait_with_output().unwrap();
}

#[test]
fn until_in_the_past_starts_nothing_and_a_deadline_stops_a_slow_rsync() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let dir = scratch();
    // The dump method, whose dump, transfer and restore the estimate adds (a physical pair's
    // databases stream before the freeze: its hot sync records 0 bytes for them).
    let inv =
        claim.inventory(&fleet, dir.path(), "vars: { rsync_bwlimit_kbps: 1000, db_sync: dump }", |_| {
            String::new()
        });
    // trust requires preflight (it records the pair on both hosts).
    Bmfleet::new().args(["preflight"]).inventory(&inv).in_dir(dir.path()).run().code(0);
    Bmfleet::new().args(["trust"]).inventory(&inv).in_dir(dir.path()).run().code(0);

    let an_hour_ago = String::from_utf8(
        std::process::Command::new("date").args(["-d", "-1 hour", "+%H:%M"]).output().unwrap().stdout,
    )
    .unwrap();
    let out = Bmfleet::new()
        .args(["hot-sync", "--until", an_hour_ago.trim()])
        .inventory(&inv)
        .in_dir(dir.path())
        .run();
    out.code(6);
    out.pair_is(&p.name, "not_run");
    assert_eq!(fleet.sh(&p.target, "ls /var/spool/cyrus | wc -l"), "0", "nothing was copied");

    let started = Instant::now();
    let out = Bmfleet::new().args(["hot-sync", "--until", "+4s"]).inventory(&inv).in_dir(dir.path()).run();
    out.code(6);
    assert!(started.elapsed() < Duration::from_secs(15), "stopped at the deadline, not at the end");
    out.pair_is(&p.name, "stopped");
    assert!(out.stdout.contains("stopped at the --until deadline"), "{}", out.stdout);
    let j = journal(dir.path(), &p.name);
    assert!(j["partial_hot_sync"].is_object(), "the journal records a partial hot sync: {j}");
    // The next night resumes and completes it.
    let out = Bmfleet::new().args(["hot-sync"]).inventory(&inv).in_dir(dir.path()).run();
    out.code(0);
    assert!(journal(dir.path(), &p.name)["partial_hot_sync"].is_null());
    assert!(fleet.verify_spools(&p.origin, &p.target).0);

    let status = Bmfleet::new().args(["status", "--format", "json"]).inventory(&inv).in_dir(dir.path()).run();
    status.code(0);
    let v: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let v = &v["pairs"];
    assert_eq!(v[0]["reached"], "hot-sync");
    assert_eq!(v[0]["stale"], false);
    assert!(v[0]["last_hot_sync_bytes"].as_u64().is_some());
    assert!(v[0]["downtime_secs"].as_f64().is_some(), "an estimate from the last hot sync");
    // The hot sync measured the origin's databases (role.yml's `journal: databases_bytes:`):
    // the estimate includes their dump/transfer/restore, with PostgreSQL's own size of them.
    let recorded = journal(dir.path(), &p.name)["values"]["databases_bytes"].as_u64();
    let actual: u64 = fleet
        .sh(
            &p.origin,
            "runuser -u postgres -- psql -X -At -c \"SELECT sum(pg_database_size(datname)) FROM pg_database WHERE datname IN ('bj', 'bj-data')\"",
        )
        .parse()
        .unwrap();
    let recorded = recorded.unwrap_or_else(|| panic!("no databases size in the journal"));
    assert!(
        actual > 0 && recorded.abs_diff(actual) * 100 <= actual,
        "recorded {recorded}, PostgreSQL says {actual}"
    );
    let databases_secs = v[0]["downtime_parts"]["databases_secs"].as_f64();
    assert!(databases_secs.is_some_and(|s| s > 0.0), "{}", status.stdout);
}

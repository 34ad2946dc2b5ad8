//! Faults on multi-pair runs: the faulty pair fails cleanly (or is unreachable), every other
//! pair finishes and verifies, nothing hangs, and a retry with `--limit @failed.txt` completes.

mod common;

use std::time::{Duration, Instant};

use common::{Bmfleet, Claim, Fleet, Outcome, scratch};

fn failed_list(out: &Outcome) -> String {
    format!("@{}", out.run_dir().join("failed.txt").display())
}

/// What the origin holds, as one hash: to prove a failed run never wrote to it.
fn origin_fingerprint(fleet: &Fleet, host: &str) -> String {
    fleet.sh(host, "cd / && find /var/spool /var/lib/cyrus /etc/bm -xdev -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum")
}

/// Two populated, trusted pairs, and a slow (bandwidth-limited) hot sync of both under way, their
/// mail spool's rsync started: the moment to break something. (A fixed two seconds used to stand
/// for that moment: on an idle machine the rsyncs were over by then, and what broke was the next
/// origin step's connection, unreachable rather than failed.)
fn slow_hot_sync_under_way(
    fleet: &Fleet,
    claim: &Claim,
    kbps: u32,
    flags: &[&str],
) -> (std::process::Child, tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    for p in &claim.pairs {
        fleet.populate(&p.origin);
    }
    let dir = scratch();
    // The dump method: these tests are about the spools' rsync; with physical, an origin step of
    // the standby also runs during the hot sync and a lost origin makes the pair unreachable there.
    let vars = format!("vars: {{ rsync_bwlimit_kbps: {kbps}, db_sync: dump }}");
    let inv = claim.inventory(fleet, dir.path(), &vars, |_| String::new());
    // trust requires preflight (it records the pair on both hosts).
    Bmfleet::new().arg("preflight").inventory(&inv).in_dir(dir.path()).run().code(0);
    Bmfleet::new().arg("trust").inventory(&inv).in_dir(dir.path()).run().code(0);
    let (child, runs) =
        Bmfleet::new().arg("hot-sync").args(flags.iter().copied()).inventory(&inv).in_dir(dir.path()).spawn();
    common::wait_for("every pair's mail spool rsync to start", Duration::from_secs(120), || {
        common::run_dirs(&runs).pop().is_some_and(|run| {
            claim.pairs.iter().all(|p| {
                std::fs::read_to_string(run.join(format!("{}.log", p.name)))
                    .is_ok_and(|log| log.contains("== hot-sync/rsync [/var/spool/cyrus/] on target"))
            })
        })
    });
    std::thread::sleep(Duration::from_millis(300));
    (child, dir, inv, runs)
}

#[test]
fn origin_sshd_killed_during_a_hot_sync() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (bad, good) = (claim.pair(0), claim.pair(1));
    let (child, dir, inv, runs) = slow_hot_sync_under_way(&fleet, &claim, 1500, &[]);
    let before = origin_fingerprint(&fleet, &bad.origin);
    fleet.set(&bad.origin, "sshd", "down");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", String::from_utf8_lossy(&output.stdout));
    let out = Outcome {
        code: 3,
        stdout: String::new(),
        stderr: String::new(),
        dir: dir.path().to_path_buf(),
        runs,
        run: None,
    };
    out.pair_is(&bad.name, "failed");
    out.pair_is(&good.name, "ok");
    assert!(fleet.verify_spools(&good.origin, &good.target).0);
    fleet.set(&bad.origin, "sshd", "up");
    assert_eq!(origin_fingerprint(&fleet, &bad.origin), before, "the origin was only read");
    let retry =
        Bmfleet::new().arg("hot-sync").limit(&failed_list(&out)).inventory(&inv).in_dir(dir.path()).run();
    retry.code(0);
    assert!(fleet.verify_spools(&bad.origin, &bad.target).0);
}

#[test]
fn a_target_whose_link_is_cut_is_unreachable_within_the_keepalive_window() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (bad, good) = (claim.pair(0), claim.pair(1));
    for p in &claim.pairs {
        fleet.populate(&p.origin);
    }
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "vars: { rsync_bwlimit_kbps: 1000 }", |_| String::new());
    // trust requires preflight (it records the pair on both hosts).
    Bmfleet::new().arg("preflight").inventory(&inv).in_dir(dir.path()).run().code(0);
    Bmfleet::new().arg("trust").inventory(&inv).in_dir(dir.path()).run().code(0);
    let (child, runs) =
        Bmfleet::new().args(["hot-sync", "--keepalive", "2"]).inventory(&inv).in_dir(dir.path()).spawn();
    std::thread::sleep(Duration::from_secs(2));
    fleet.set(&bad.target, "link", "down");
    let cut = Instant::now();
    let output = child.wait_with_output().unwrap();
    let detected = cut.elapsed();
    assert_eq!(output.status.code(), Some(4), "{}", String::from_utf8_lossy(&output.stdout));
    assert!(detected < Duration::from_secs(25), "the run ended {detected:?} after the cut");
    let out = Outcome {
        code: 4,
        stdout: String::new(),
        stderr: String::new(),
        dir: dir.path().to_path_buf(),
        runs,
        run: None,
    };
    out.pair_is(&bad.name, "unreachable");
    out.pair_is(&good.name, "ok");
    assert!(fleet.verify_spools(&good.origin, &good.target).0);
    fleet.set(&bad.target, "link", "up");
    // The target's own watchdog stopped the orphaned rsync and freed the pair's lock: the
    // retry is neither busy nor racing a leftover transfer.
    std::thread::sleep(Duration::from_secs(12));
    let retry = Bmfleet::new()
        .args(["hot-sync", "--keepalive", "2"])
        .limit(&failed_list(&out))
        .inventory(&inv)
        .in_dir(dir.path())
        .run();
    retry.code(0);
    assert!(fleet.verify_spools(&bad.origin, &bad.target).0);
}

#[test]
fn a_silent_host_and_a_slow_host_do_not_slow_the_others() {
    let fleet = Fleet::get();
    let claim = fleet.claim(3);
    // A host that accepts TCP but never says a word of SSH.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    fleet.set(&claim.pair(1).target, "slow", "48kbit");
    let dir = scratch();
    let mut inv_text =
        std::fs::read_to_string(claim.inventory(&fleet, dir.path(), "", |_| String::new())).unwrap();
    inv_text.push_str(&format!("  - name: silent\n    origin: {{ host: 127.0.0.1, port: {port}, connect_timeout: 6 }}\n    target: {{ host: 127.0.0.2, port: {port} }}\n"));
    let inv = dir.path().join("inventory.yml");
    std::fs::write(&inv, inv_text).unwrap();
    let engine = common::repo().join("tests/roles/engine");
    let out = Bmfleet::new().arg("run").arg(&engine).arg("walk").inventory(&inv).run();
    out.code(4);
    out.pair_is("silent", "unreachable");
    let summary = out.summary();
    let duration = |name: &str| {
        summary["pairs"].as_array().unwrap().iter().find(|p| p["pair"] == name).unwrap()["duration"]
            .as_f64()
            .unwrap()
    };
    let slow = duration(&claim.pair(1).name);
    for fast in [&claim.pair(0).name, &claim.pair(2).name] {
        out.pair_is(fast, "ok");
        assert!(
            duration(fast) < 4.0,
            "{fast} took {}s: slowed by the others (the slow pair took {slow}s)",
            duration(fast)
        );
    }
    assert_eq!(out.pair_status(&claim.pair(1).name), "ok", "slow is not broken");
    assert!(slow > duration(&claim.pair(0).name), "the throttled pair is the slow one");
}

#[test]
fn origin_postgresql_down_and_a_full_target_disk_fail_only_their_pairs() {
    let fleet = Fleet::get();
    let claim = fleet.claim(3);
    let (pg_down, disk_full, good) = (claim.pair(0), claim.pair(1), claim.pair(2));
    for p in &claim.pairs {
        fleet.populate(&p.origin);
    }
    let dir = scratch();
    // The first pair's failure is the dump's (`auto` would stream its cluster: fleet_physical.rs).
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: ip, cutover_prefix: 16 }", |i| {
        if i == 0 { "vars: { db_sync: dump }".into() } else { String::new() }
    });
    // trust requires preflight (it records the pair on both hosts).
    Bmfleet::new().arg("preflight").inventory(&inv).in_dir(dir.path()).run().code(0);
    Bmfleet::new().arg("trust").inventory(&inv).in_dir(dir.path()).run().code(0);
    Bmfleet::new()
        .arg("hot-sync")
        .limit(&format!("{},{}", pg_down.name, good.name))
        .inventory(&inv)
        .in_dir(dir.path())
        .run()
        .code(0);
    fleet.set(&disk_full.target, "disk-full", "1M");
    let disk_origin = origin_fingerprint(&fleet, &disk_full.origin);
    let hot = Bmfleet::new().arg("hot-sync").limit(&disk_full.name).inventory(&inv).in_dir(dir.path()).run();
    hot.code(3);
    assert!(hot.stdout.contains("No space left on device"), "{}", hot.stdout);
    assert_eq!(origin_fingerprint(&fleet, &disk_full.origin), disk_origin, "the origin is untouched");

    let target_dbs = |host: &str| {
        fleet
            .sh(host, "cd / && runuser -u postgres -- psql -X -At -d bj -c 'SELECT uuid FROM t_installation'")
    };
    let before = target_dbs(&pg_down.target);
    fleet.set(&pg_down.origin, "pg", "down");
    let out = Bmfleet::new()
        .args(["migrate", "--yes"])
        .limit(&format!("{},{}", pg_down.name, good.name))
        .inventory(&inv)
        .in_dir(dir.path())
        .run();
    fleet.set(&pg_down.origin, "pg", "up");
    out.code(3);
    out.pair_is(&pg_down.name, "failed");
    assert!(
        out.stdout.contains("PostgreSQL refuses bm.ini's credentials"),
        "a clear message:\n{}",
        out.stdout
    );
    assert_eq!(target_dbs(&pg_down.target), before, "the target's databases are untouched");
    out.pair_is(&good.name, "ok");
    let (same, report) = fleet.verify(&good.origin, &good.target);
    assert!(same, "{report}");
}

#[test]
fn two_hundred_light_hosts_at_once() {
    let Some(light) = std::env::var_os("BMFLEET_LIGHT_FLEET") else {
        panic!(
            "BMFLEET_LIGHT_FLEET is not set: this test needs the light fleet (`sudo tests/fleet/fleet --light up 100`), as `.ci/run` brings up"
        );
    };
    let inv = std::path::PathBuf::from(light).join("inventory.yml");
    let text = std::fs::read_to_string(&inv).expect("the light fleet's inventory");
    let pairs = text.matches("- name: ").count();
    assert!(pairs >= 100, "the light fleet has {pairs} pairs; 100 are needed (200 hosts)");
    // The light fleet's own inventory: its runs go to a scratch directory, not the fleet's.
    let runs = scratch();
    let out = Bmfleet::new()
        .args(["exec", "--forks", "200", "hostname", "--runs-dir"])
        .arg(runs.path())
        .inventory(&inv)
        .run();
    out.code(0);
    let hosts = out.stdout.lines().filter(|l| l.starts_with("bm-")).count();
    assert_eq!(hosts, 2 * pairs, "every host answered:\n{}", out.stdout);
    assert!(!out.all_output().contains("Too many open files"));
}

//! The executor against the test fleet: real sshd, real processes.

mod common;

use common::{Bmfleet, Fleet, pair_inventory, repo, scratch};

fn engine() -> std::path::PathBuf {
    repo().join("tests/roles/engine")
}

#[test]
fn every_step_runs_on_every_pair_and_a_failure_stays_with_its_pair() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let dir = scratch();
    let bad = claim.pair(1).name.clone();
    let inv =
        claim.inventory(&fleet, dir.path(), &format!("vars: {{ fail_pair: {bad} }}"), |_| String::new());
    let out = Bmfleet::new().args(["run"]).arg(engine()).arg("walk").inventory(&inv).run();
    out.code(3);
    let good = &claim.pair(0).name;
    out.pair_is(good, "ok");
    out.pair_is(&bad, "failed");
    let summary = out.summary();
    let failed = summary["pairs"].as_array().unwrap().iter().find(|p| p["pair"] == bad.as_str()).unwrap();
    assert_eq!(failed["failed_step"], "walk/maybe fail");
    assert!(failed["tail"].as_array().unwrap().iter().any(|l| l == "failing on purpose"), "{failed}");
    let log = out.pair_log(good);
    for i in 1..=5 {
        let line = format!("step {i} on bm-{} after bm-{}", claim.pair(0).target, claim.pair(0).origin);
        assert!(log.contains(&line), "missing {line:?} in\n{log}");
    }
    assert!(log.contains("reached the end"));
    let bad_log = out.pair_log(&bad);
    assert!(!bad_log.contains("reached the end"), "a failed pair stops at its failure");
    assert_eq!(std::fs::read_to_string(out.run_dir().join("failed.txt")).unwrap(), format!("{bad}\n"));
    assert!(out.stdout.contains("failing on purpose"), "the summary shows the last lines:\n{}", out.stdout);
}

#[test]
fn a_step_that_outlives_its_timeout_is_stopped_on_the_host() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "", |_| String::new());
    let started = std::time::Instant::now();
    let out = Bmfleet::new().args(["run"]).arg(engine()).arg("slow").inventory(&inv).run();
    out.code(3);
    assert!(started.elapsed().as_secs() < 20, "the timeout is 3 s");
    let summary = out.summary();
    assert!(summary["pairs"][0]["message"].as_str().unwrap().contains("timed out after 3 s"), "{summary}");
    let target = &claim.pair(0).target;
    let pid = fleet.sh(target, "cat /tmp/bmfleet-sleeper.pid");
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert!(!fleet.running(target, &pid), "the remote sleep (pid {pid}) must be gone");
}

#[test]
fn warnings_and_retries() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "", |_| String::new());
    let out = Bmfleet::new().args(["run"]).arg(engine()).arg("warn").inventory(&inv).run();
    out.code(0);
    out.pair_is(&claim.pair(0).name, "warning");
    assert_eq!(
        fleet.sh(&claim.pair(0).origin, "cat /tmp/bmfleet-flaky"),
        "3",
        "two retries, the third attempt succeeds"
    );
}

#[test]
fn waves_run_in_order_and_max_fail_percent_stops_later_waves() {
    let fleet = Fleet::get();
    let claim = fleet.claim(3);
    let dir = scratch();
    let bad = claim.pair(0).name.clone();
    let inv = claim.inventory(&fleet, dir.path(), &format!("vars: {{ fail_pair: {bad} }}"), |i| {
        format!("wave: {}", if i < 2 { 1 } else { 2 })
    });
    let out = Bmfleet::new()
        .args(["run", "--max-fail-percent", "40"])
        .arg(engine())
        .arg("walk")
        .inventory(&inv)
        .run();
    out.code(3);
    out.pair_is(&bad, "failed");
    out.pair_is(&claim.pair(1).name, "ok");
    out.pair_is(&claim.pair(2).name, "not_run");
    assert!(out.stdout.contains("Later waves not run: 50% of the pairs of wave 1 failed"), "{}", out.stdout);

    // Within the limit, every wave runs; wave 2 starts after wave 1 ended.
    let out = Bmfleet::new()
        .args(["run", "--max-fail-percent", "50", "--format", "json"])
        .arg(engine())
        .arg("walk")
        .inventory(&inv)
        .run();
    out.code(3);
    out.pair_is(&claim.pair(2).name, "ok");
    let events: Vec<serde_json::Value> =
        out.stdout.lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
    let position = |pred: &dyn Fn(&serde_json::Value) -> bool| events.iter().position(pred).unwrap();
    let wave1_end = position(&|e| e["event"] == "wave_finished" && e["wave"] == 1);
    let wave2_pair_start =
        position(&|e| e["event"] == "pair_started" && e["pair"] == claim.pair(2).name.as_str());
    assert!(wave1_end < wave2_pair_start, "wave 2 starts after wave 1 finished");
    assert_eq!(events.last().unwrap()["event"], "run_finished");
}

#[test]
fn host_keys_are_verified_strictly() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let dir = scratch();
    let p = claim.pair(0);
    // A known_hosts where the target has another key: refused, whatever the flags.
    let other = dir.path().join("other");
    std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other)
        .status()
        .unwrap();
    let other_key = std::fs::read_to_string(other.with_extension("pub")).unwrap();
    let real = std::fs::read_to_string(fleet.known_hosts()).unwrap();
    let origin_line =
        real.lines().find(|l| l.starts_with(&format!("{} ", p.origin_addr))).unwrap().to_string();
    let kh = dir.path().join("known_hosts");
    std::fs::write(
        &kh,
        format!(
            "{origin_line}\n{} {}\n",
            p.target_addr,
            other_key.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
        ),
    )
    .unwrap();
    let inv =
        pair_inventory(&dir.path().join("inv.yml"), (&fleet.key(), &kh), "connect_timeout: 5", "", p, "");
    for flags in [&[][..], &["--accept-new-host-keys"][..]] {
        let out = Bmfleet::new()
            .args(["exec", "--on", "target"])
            .args(flags.iter().copied())
            .arg("hostname")
            .inventory(&inv)
            .run();
        out.code(4);
        let text = out.all_output();
        assert!(text.contains("HOST KEY CHANGED") && text.contains("known_hosts:2"), "{text}");
        assert!(text.contains("SHA256:"), "the fingerprint is shown: {text}");
    }
    // An unknown host: refused without the flag, recorded with it.
    std::fs::write(&kh, format!("{origin_line}\n")).unwrap();
    let out = Bmfleet::new().args(["exec", "--on", "target", "hostname"]).inventory(&inv).run();
    out.code(4);
    assert!(out.all_output().contains("unknown host key"), "{}", out.all_output());
    let out = Bmfleet::new()
        .args(["exec", "--on", "target", "--accept-new-host-keys", "hostname"])
        .inventory(&inv)
        .run();
    out.code(0);
    assert!(std::fs::read_to_string(&kh).unwrap().contains(&p.target_addr));
    Bmfleet::new().args(["exec", "--on", "target", "hostname"]).inventory(&inv).run().code(0);
}

/// Only a key of another type is recorded: "no known key of type", never learnt as new.
#[test]
fn a_host_key_of_another_type_is_refused_even_with_accept_new() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let dir = scratch();
    let p = claim.pair(0);
    let rsa = dir.path().join("rsa");
    std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f"])
        .arg(&rsa)
        .status()
        .unwrap();
    let rsa_key = std::fs::read_to_string(rsa.with_extension("pub")).unwrap();
    let kh = dir.path().join("known_hosts");
    let rsa_line = rsa_key.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    std::fs::write(&kh, format!("{} {rsa_line}\n", p.target_addr)).unwrap();
    let inv =
        pair_inventory(&dir.path().join("inv.yml"), (&fleet.key(), &kh), "connect_timeout: 5", "", p, "");
    let out = Bmfleet::new()
        .args(["exec", "--on", "target", "--accept-new-host-keys", "hostname"])
        .inventory(&inv)
        .run();
    out.code(4);
    let text = out.all_output();
    assert!(text.contains("no known key of type ssh-ed25519") && text.contains("ssh-rsa"), "{text}");
    assert!(!text.contains("CHANGED"), "{text}");
    assert_eq!(std::fs::read_to_string(&kh).unwrap().lines().count(), 1, "nothing learnt");
}

#[test]
fn exec_groups_output_per_host() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "", |_| String::new());
    let out = Bmfleet::new()
        .args(["exec", "for i in 1 2 3; do echo \"$(hostname) line $i\"; sleep 0.1; done"])
        .inventory(&inv)
        .run();
    out.code(0);
    // Each host's block is contiguous: its three lines follow one another.
    let lines: Vec<&str> = out.stdout.lines().collect();
    for p in &claim.pairs {
        for host in [&p.origin, &p.target] {
            let start = lines.iter().position(|l| *l == format!("bm-{host} line 1")).expect("line 1");
            assert!(
                lines[start - 1].starts_with(&format!("{} | ", p.name)),
                "a header precedes the block:\n{}",
                out.stdout
            );
            assert_eq!(lines[start + 1], format!("bm-{host} line 2"), "{}", out.stdout);
            assert_eq!(lines[start + 2], format!("bm-{host} line 3"), "{}", out.stdout);
        }
    }
}

#[test]
fn ctrl_c_writes_the_summary_and_exits_130() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "", |_| String::new());
    // The sleeper's timeout is 3 s; with --grace 1 a Ctrl-C stops it sooner.
    let role = dir.path().join("role");
    std::fs::create_dir_all(&role).unwrap();
    let yml = std::fs::read_to_string(engine().join("role.yml"))
        .unwrap()
        .replace("timeout: 3s", "timeout: 60s")
        .replace("sleep_secs: 30", "sleep_secs: 50");
    std::fs::write(role.join("role.yml"), yml).unwrap();
    let (child, runs) =
        Bmfleet::new().args(["run", "--grace", "1"]).arg(&role).arg("slow").inventory(&inv).spawn();
    std::thread::sleep(std::time::Duration::from_secs(3));
    // SAFETY: sending SIGINT to the child we spawned.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("Summary") && stdout.contains("stopped"), "{stdout}");
    let summary =
        std::fs::read_to_string(common::run_dirs(&runs).pop().unwrap().join("summary.json")).unwrap();
    assert!(summary.contains("\"interrupted\": true"));
    let pid = fleet.sh(&claim.pair(0).target, "cat /tmp/bmfleet-sleeper.pid");
    std::thread::sleep(std::time::Duration::from_secs(1));
    assert!(!fleet.running(&claim.pair(0).target, &pid), "the remote command was stopped");
}

/// The pair lock lives in a root-only directory; a lost lock stops its pair (failed, with a
/// clear message), never lets it go on unlocked.
#[test]
fn the_pair_lock_is_root_only_and_losing_it_stops_the_pair() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let dir = scratch();
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let inv = claim.inventory(&fleet, dir.path(), "vars: { rsync_bwlimit_kbps: 500 }", |_| String::new());
    let target = &p.target;
    // trust requires preflight (it records the pair on both hosts; it takes no lock).
    Bmfleet::new().arg("preflight").inventory(&inv).in_dir(dir.path()).run().code(0);

    // A directory a local user prepared: refused.
    fleet.sh(target, "rm -rf /run/bmfleet; mkdir -m 1777 /run/bmfleet");
    let out = Bmfleet::new().arg("trust").inventory(&inv).in_dir(dir.path()).run();
    out.code(3);
    assert!(out.all_output().contains("not to root with 0700"), "{}", out.all_output());
    fleet.sh(target, "rm -rf /run/bmfleet; ln -s /tmp /run/bmfleet");
    let out = Bmfleet::new().arg("trust").inventory(&inv).in_dir(dir.path()).run();
    out.code(3);
    assert!(out.all_output().contains("not a plain directory"), "{}", out.all_output());
    fleet.sh(target, "rm -f /run/bmfleet");
    Bmfleet::new().arg("trust").inventory(&inv).in_dir(dir.path()).run().code(0);
    assert_eq!(fleet.sh(target, "stat -c '%u %a' /run/bmfleet").trim(), "0 700");

    // The holder killed mid-transfer: the pair stops at once, failed, and says why.
    let (child, _) = Bmfleet::new().arg("hot-sync").inventory(&inv).in_dir(dir.path()).spawn();
    std::thread::sleep(std::time::Duration::from_secs(3));
    fleet.sh(
        target,
        "for p in /proc/[0-9]*; do [ \"$(readlink $p/fd/9 2>/dev/null)\" = /run/bmfleet/pair.lock ] && kill ${p#/proc/}; done; true",
    );
    let killed = std::time::Instant::now();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("pair lock on") && stdout.contains("was lost"), "{stdout}");
    assert!(killed.elapsed().as_secs() < 15, "the transfer was stopped, not waited for");
    // The channel closed, the target's watchdog stops the transfer (TERM, then KILL after 5 s).
    // (Only this pair's transfers: other tests' hosts may share the process table.)
    let mine = format!("pgrep -a -x rsync | grep -F '{}'", p.origin_addr);
    let left = fleet.sh(
        target,
        &format!("for i in $(seq 40); do {mine} >/dev/null || break; sleep 0.25; done; {mine} || echo none"),
    );
    assert_eq!(left.trim(), "none", "the transfer was stopped");
}

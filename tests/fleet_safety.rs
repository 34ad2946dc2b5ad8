//! Issue #11 on the test fleet: the interlocks that live on the hosts. Each test runs a pair that
//! must be refused beside one that must migrate (and verify), and checks that the protected host
//! is byte for byte what it was (spools, configuration, both databases: lib/manifest.py) and that
//! no service was stopped or started on it (the stand-ins log every call in calls.log).

mod common;

use std::path::{Path, PathBuf};

use common::{Bmfleet, Claim, Fleet, FleetPair, Outcome, scratch};

/// What a host holds, as tests/fleet/lib/manifest.py describes it (files and databases).
fn manifest(fleet: &Fleet, host: &str) -> String {
    let prog = std::fs::read(common::repo().join("tests/fleet/lib/manifest.py")).unwrap();
    let mut child = std::process::Command::new(common::repo().join("tests/fleet/fleet"))
        .env("BMFLEET_FLEET_DIR", &fleet.dir)
        .args(["exec", host, "/usr/bin/python3", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(&prog).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "manifest of {host}");
    String::from_utf8(out.stdout).unwrap()
}

fn calls(fleet: &Fleet, host: &str) -> String {
    fleet.sh(host, "cat /etc/bmfleet-sim/calls.log 2>/dev/null || true")
}

fn record(fleet: &Fleet, host: &str, pair: &str) -> String {
    fleet.sh(host, &format!("cat /var/lib/bmfleet/state/pair.{pair} 2>/dev/null || true"))
}

/// An inventory of the given (name, origin address, target address) pairs.
fn inventory(fleet: &Fleet, dir: &Path, known_hosts: &Path, pairs: &[(String, String, String)]) -> PathBuf {
    let mut text = format!(
        "defaults:\n  user: root\n  identity_file: {}\n  known_hosts: {}\n  connect_timeout: 5\nvars: {{ cutover_mode: none }}\npairs:\n",
        fleet.key().display(),
        known_hosts.display()
    );
    for (name, origin, target) in pairs {
        text.push_str(&format!(
            "  - name: {name}\n    origin: {{ host: {origin} }}\n    target: {{ host: {target} }}\n"
        ));
    }
    let path = dir.join("inventory.yml");
    std::fs::write(&path, text).unwrap();
    path
}

fn as_written(p: &FleetPair) -> (String, String, String) {
    (p.name.clone(), p.origin_addr.clone(), p.target_addr.clone())
}

fn assert_migrated(fleet: &Fleet, out: &Outcome, p: &FleetPair) {
    out.pair_is(&p.name, "ok");
    let (same, report) = fleet.verify(&p.origin, &p.target);
    assert!(same, "{}: {report}", p.name);
    assert!(record(fleet, &p.target, &p.name).contains("stage=live"));
    assert!(record(fleet, &p.origin, &p.name).contains("stage=retired"));
}

fn failed_step(out: &Outcome, pair: &str) -> String {
    let summary = out.summary();
    let report = summary["pairs"].as_array().unwrap().iter().find(|p| p["pair"] == pair).unwrap().clone();
    assert_eq!(report["status"], "failed", "{report}");
    report["failed_step"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_cut_over_pair_is_refused_by_its_hosts_from_any_controller() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (done, other) = (claim.pair(0), claim.pair(1));
    fleet.populate(&done.origin);
    fleet.populate(&other.origin);
    let dir = scratch();
    let inv = inventory(&fleet, dir.path(), &fleet.known_hosts(), &[as_written(done), as_written(other)]);
    let first = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).limit(&done.name).run();
    first.code(0);
    assert_migrated(&fleet, &first, done);
    // Mail the live target received since its cutover: what a re-sync would wipe.
    fleet.sh(
        &done.target,
        "d=$(find /var/spool/cyrus -name '1.' -printf '%h\\n' | head -n 1); echo new mail >\"$d/99999.\"",
    );
    let before = manifest(&fleet, &done.target);
    let calls_before = calls(&fleet, &done.target);

    // The same controller: the other pair migrates in the same runs; the cut-over one is
    // refused by the journal first (past its point of no return, whatever --force says); the
    // hosts' own refusal is proven below, where no journal knows the pair.
    Bmfleet::new().arg("preflight").inventory(&inv).limit(&other.name).run().code(0);
    for phase in ["trust", "hot-sync", "cold-sync"] {
        let out = Bmfleet::new().args([phase, "--force"]).inventory(&inv).run();
        out.code(3);
        assert_eq!(out.pair_status(&other.name), "ok", "{phase}: {}", out.stdout);
        assert_eq!(out.pair_status(&done.name), "blocked", "{phase}");
        assert!(out.stdout.contains("passed its point of no return"), "{phase}: {}", out.stdout);
    }
    let rest = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).limit(&other.name).run();
    rest.code(0);
    assert_migrated(&fleet, &rest, other);

    // A second state directory, then no journal at all: the hosts still refuse.
    let state2 = scratch();
    for (label, extra) in
        [("second state dir", vec!["--state-dir", state2.path().to_str().unwrap()]), ("no journal", vec![])]
    {
        if extra.is_empty() {
            std::fs::remove_dir_all(dir.path().join(".bmfleet")).unwrap();
        }
        for phase in ["trust", "hot-sync", "cold-sync"] {
            let out = Bmfleet::new()
                .args([phase, "--force"])
                .args(extra.iter().copied())
                .inventory(&inv)
                .limit(&done.name)
                .run();
            out.code(3);
            assert!(failed_step(&out, &done.name).starts_with(phase), "{label} {phase}");
            assert!(
                out.stdout.contains("bmfleet never syncs into it again"),
                "{label} {phase}: {}",
                out.stdout
            );
        }
    }
    let preflight = Bmfleet::new().arg("preflight").inventory(&inv).limit(&done.name).run();
    preflight.code(3);
    assert!(preflight.stdout.contains("the pair is cut over"), "{}", preflight.stdout);

    // The live target is exactly as it was, and nothing stopped it.
    assert_eq!(before, manifest(&fleet, &done.target), "the live target changed");
    assert_eq!(calls_before, calls(&fleet, &done.target), "a service of the live target was touched");
    assert_eq!(fleet.sh(&done.target, "cat /etc/bmfleet-sim/bluemind.state"), "running");
    assert!(!fleet.sh(&done.origin, "cat /root/.ssh/authorized_keys").contains("bmfleet-migration"));
}

#[test]
fn swapped_origin_and_target_are_refused_before_any_service_stops() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (swapped, other) = (claim.pair(0), claim.pair(1));
    // The production server (populated) written as the target, the fresh one as the origin.
    fleet.populate(&swapped.origin);
    fleet.populate(&other.origin);
    let before = manifest(&fleet, &swapped.origin);
    let calls_before = (calls(&fleet, &swapped.origin), calls(&fleet, &swapped.target));
    let dir = scratch();
    let pairs =
        [(swapped.name.clone(), swapped.target_addr.clone(), swapped.origin_addr.clone()), as_written(other)];
    let inv = inventory(&fleet, dir.path(), &fleet.known_hosts(), &pairs);
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run();
    out.code(3);
    assert_eq!(failed_step(&out, &swapped.name), "hot-sync/stop target services");
    assert!(
        out.stdout.contains("the target holds more mail than the origin: origin and target swapped?"),
        "{}",
        out.stdout
    );
    assert_migrated(&fleet, &out, other);
    assert_eq!(before, manifest(&fleet, &swapped.origin), "the production server changed");
    assert_eq!(
        calls_before,
        (calls(&fleet, &swapped.origin), calls(&fleet, &swapped.target)),
        "a service was stopped"
    );
}

#[test]
fn a_shared_machine_id_is_a_warning_and_the_pair_migrates() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (cloned, other) = (claim.pair(0), claim.pair(1));
    let id = fleet.sh(&cloned.origin, "cat /etc/machine-id");
    fleet.sh(&cloned.target, &format!("echo {id} >/etc/machine-id"));
    fleet.populate(&cloned.origin);
    fleet.populate(&other.origin);
    let dir = scratch();
    let inv = inventory(&fleet, dir.path(), &fleet.known_hosts(), &[as_written(cloned), as_written(other)]);
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run();
    out.code(0);
    let log = out.pair_log(&cloned.name);
    assert!(log.contains("share the machine-id"), "{log}");
    let summary = out.summary();
    let warnings = summary["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["pair"] == cloned.name.as_str())
        .unwrap()["warnings"]
        .to_string();
    assert!(warnings.contains("distinct machine-ids"), "{warnings}");
    let (same, report) = fleet.verify(&cloned.origin, &cloned.target);
    assert!(same, "{report}");
    assert_migrated(&fleet, &out, other);
}

/// Removes the extra address when the test ends, passed or not.
struct ExtraAddress<'a>(&'a Fleet, String, String);
impl Drop for ExtraAddress<'_> {
    fn drop(&mut self) {
        self.0.exec(&self.1, &format!("ip addr del {}/16 dev eth0", self.2));
    }
}

#[test]
fn the_same_host_under_two_names_is_blocked_in_preflight() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (alias, other) = (claim.pair(0), claim.pair(1));
    fleet.populate(&alias.origin);
    fleet.populate(&other.origin);
    // A second address on the origin (10.S.9.i: unused by the fleet), known to the controller.
    let mut octets: Vec<&str> = alias.origin_addr.split('.').collect();
    octets[2] = "9";
    let second = octets.join(".");
    fleet.sh(&alias.origin, &format!("ip addr add {second}/16 dev eth0"));
    let _cleanup = ExtraAddress(&fleet, alias.origin.clone(), second.clone());
    let dir = scratch();
    let known = std::fs::read_to_string(fleet.known_hosts()).unwrap();
    let line = known.lines().find(|l| l.starts_with(&format!("{} ", alias.origin_addr))).unwrap();
    let known = format!("{known}{}\n", line.replacen(&alias.origin_addr, &second, 1));
    let known_path = dir.path().join("known_hosts");
    std::fs::write(&known_path, known).unwrap();
    let pairs = [(alias.name.clone(), alias.origin_addr.clone(), second.clone()), as_written(other)];
    let inv = inventory(&fleet, dir.path(), &known_path, &pairs);
    let calls_before = calls(&fleet, &alias.origin);
    let before = manifest(&fleet, &alias.origin);
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run();
    out.code(3);
    assert_eq!(failed_step(&out, &alias.name), "preflight/different machines");
    assert!(out.stdout.contains("the same machine under two names"), "{}", out.stdout);
    assert_eq!(record(&fleet, &alias.origin, &alias.name), "", "nothing recorded for a blocked pair");
    assert_eq!(before, manifest(&fleet, &alias.origin));
    assert_eq!(calls_before, calls(&fleet, &alias.origin));
    assert_migrated(&fleet, &out, other);
}

#[test]
fn post_refuses_a_bm_ini_host_the_target_does_not_own() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (bad, other) = (claim.pair(0), claim.pair(1));
    // The origin's bm.ini names the origin's own address (as BlueMind writes it on a real
    // server): copied to the target, it points the target's core at the origin's database.
    fleet.sh(&bad.origin, &format!("sed -i 's/^host *=.*/host={}/' /etc/bm/bm.ini", bad.origin_addr));
    fleet.populate(&bad.origin);
    fleet.populate(&other.origin);
    let dir = scratch();
    let inv = inventory(&fleet, dir.path(), &fleet.known_hosts(), &[as_written(bad), as_written(other)]);
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run();
    out.code(3);
    assert_eq!(failed_step(&out, &bad.name), "post/start target services");
    assert!(
        out.stdout.contains(&format!(
            "bm.ini host = {} ({}) is not an address of this target",
            bad.origin_addr, bad.origin_addr
        )),
        "{}",
        out.stdout
    );
    let target_calls = calls(&fleet, &bad.target);
    assert!(
        !target_calls.contains("bmctl start") && !target_calls.contains("postfix start"),
        "{target_calls}"
    );
    assert_eq!(fleet.sh(&bad.target, "cat /etc/bmfleet-sim/bluemind.state"), "stopped");
    assert!(!record(&fleet, &bad.target, &bad.name).contains("stage=live"));
    // The cutover left nothing of the origin's reachable: its PostgreSQL is stopped too.
    assert_eq!(fleet.exec(&bad.origin, "systemctl is-active postgresql").status.code(), Some(3));
    assert!(calls(&fleet, &bad.origin).contains("systemctl stop bm-nginx"));
    assert_migrated(&fleet, &out, other);
}

#[test]
fn a_verification_mismatch_fails_the_pair_before_cutover() {
    let fleet = Fleet::get();
    let claim: Claim = fleet.claim(2);
    let (bad, other) = (claim.pair(0), claim.pair(1));
    fleet.populate(&bad.origin);
    fleet.populate(&other.origin);
    let role = common::role_losing_a_message(&bad.name);
    let dir = scratch();
    let inv = inventory(&fleet, dir.path(), &fleet.known_hosts(), &[as_written(bad), as_written(other)]);
    let out = Bmfleet::new().args(["migrate", "--yes"]).role(role.path()).inventory(&inv).run();
    out.code(3);
    assert_eq!(failed_step(&out, &bad.name), "cold-sync/verify against the origin");
    assert!(out.stdout.contains("the target is not the stopped origin's copy"), "{}", out.stdout);
    assert!(
        out.stdout.contains("mailbox /var/spool/cyrus/"),
        "the mailbox that differs is named:\n{}",
        out.stdout
    );
    // Nothing of the cutover ran: the origin is not retired, the target never started; and the
    // pair was rolled back (before the point of no return): the origin serves again.
    assert!(record(&fleet, &bad.origin, &bad.name).contains("stage=syncing"));
    assert_eq!(fleet.sh(&bad.origin, "cat /etc/bmfleet-sim/bluemind.state"), "running");
    assert!(record(&fleet, &bad.target, &bad.name).contains("verified=no"));
    assert!(!calls(&fleet, &bad.target).contains("bmctl start"));
    // And the target's host refuses to start, whatever a controller says (--force).
    let post = Bmfleet::new().args(["post", "--force"]).inventory(&inv).limit(&bad.name).run();
    post.code(3);
    assert!(post.stdout.contains("was not verified on this target"), "{}", post.stdout);
    assert!(!calls(&fleet, &bad.target).contains("bmctl start"));
    assert_migrated(&fleet, &out, other);
}

#[test]
fn host_records_refuse_corruption_changed_identities_and_a_second_pair() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (p, other) = (claim.pair(0), claim.pair(1));
    let dir = scratch();
    let inv = inventory(&fleet, dir.path(), &fleet.known_hosts(), &[as_written(p)]);
    Bmfleet::new().arg("preflight").inventory(&inv).run().code(0);
    let path = format!("/var/lib/bmfleet/state/pair.{}", p.name);
    let good = record(&fleet, &p.target, &p.name);
    assert!(good.contains("role=target") && good.contains("stage=syncing"), "{good}");
    assert_eq!(fleet.sh(&p.target, "stat -c %a /var/lib/bmfleet/state"), "700");
    // A record that does not parse is refused, never ignored nor evaluated.
    let corruptions = [
        ("a value outside its allow-list", "sed -i 's/^stage=.*/stage=syncing$(touch \\/tmp\\/pwned)/'"),
        ("an unknown key", "echo 'PATH=/tmp' >>"),
        ("a key twice", "echo 'stage=syncing' >>"),
        ("a missing key", "sed -i '/^verified=/d'"),
        ("no key=value", "echo 'stage' >>"),
    ];
    for (what, edit) in corruptions {
        fleet.sh(&p.target, &format!("cp {path} /root/record.good && {edit} {path}"));
        let out = Bmfleet::new().args(["trust", "--force"]).inventory(&inv).run();
        out.code(3);
        assert!(out.stdout.contains("refusing"), "{what}: {}", out.stdout);
        assert_eq!(fleet.sh(&p.target, "ls /tmp/pwned 2>/dev/null | wc -l"), "0", "{what}");
        fleet.sh(&p.target, &format!("mv /root/record.good {path}"));
    }
    fleet.sh(&p.target, &format!("mv {path} /root/record.good && ln -s /root/record.good {path}"));
    let out = Bmfleet::new().args(["trust", "--force"]).inventory(&inv).run();
    out.code(3);
    assert!(out.stdout.contains("is not a plain file"), "{}", out.stdout);
    fleet.sh(&p.target, &format!("rm {path} && mv /root/record.good {path}"));

    // Another machine-id than at preflight: trust is blocked until preflight records it again.
    let id = fleet.sh(&p.target, "cat /etc/machine-id");
    fleet.sh(&p.target, "echo 0123456789abcdef0123456789abcdef >/etc/machine-id");
    let out = Bmfleet::new().arg("trust").inventory(&inv).run();
    out.code(3);
    assert!(out.stdout.contains("preflight recorded"), "{}", out.stdout);
    fleet.sh(&p.target, &format!("echo {id} >/etc/machine-id"));
    Bmfleet::new().arg("trust").inventory(&inv).run().code(0);

    // A second inventory making the same target another pair's: that pair's preflight refuses,
    // and the first pair still goes on.
    let url = fleet.sh(&p.target, "sed -n 's/^external-url *= *//p' /etc/bm/bm.ini");
    fleet.set(&other.origin, "external-url", &url);
    let dir2 = scratch();
    let stolen = [(other.name.clone(), other.origin_addr.clone(), p.target_addr.clone())];
    let inv2 = inventory(&fleet, dir2.path(), &fleet.known_hosts(), &stolen);
    let out = Bmfleet::new().arg("preflight").inventory(&inv2).run();
    out.code(3);
    assert!(
        out.stdout.contains(&format!("this host is already the target of pair {}", p.name)),
        "{}",
        out.stdout
    );
    assert_eq!(record(&fleet, &p.target, &other.name), "");
    assert_eq!(record(&fleet, &p.target, &p.name), good);
    // Without the inventory's pair, trust is refused on the target (no record of pair `other`).
    let out = Bmfleet::new().args(["trust", "--force"]).inventory(&inv2).run();
    out.code(3);
    assert!(out.stdout.contains("refusing"), "{}", out.stdout);
    Bmfleet::new().arg("hot-sync").inventory(&inv).run().code(0);
}

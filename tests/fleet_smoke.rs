//! The test fleet is real: every host is its own machine as far as SSH, files and data go, and
//! `tests/fleet/verify` tells a faithful copy from one that differs by a single byte.

mod common;

use common::{Bmfleet, Fleet, scratch};

#[test]
fn every_host_answers_over_ssh_with_its_own_name_and_files() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "", |_| String::new());
    // Strict host-key checking against the fleet's known_hosts, as everywhere in bmfleet.
    let out = Bmfleet::new()
        .args([
            "exec",
            "echo host=$(hostname) id=$(cat /etc/machine-id) $(grep ^external-url /etc/bm/bm.ini)",
        ])
        .inventory(&inv)
        .run();
    out.code(0);
    let mut ids = Vec::new();
    for p in &claim.pairs {
        for host in [&p.origin, &p.target] {
            let line = out
                .stdout
                .lines()
                .find(|l| l.starts_with(&format!("host=bm-{host} ")))
                .unwrap_or_else(|| panic!("no answer from {host}:\n{}", out.stdout));
            assert!(line.contains(&format!("external-url=mail.{}.example", p.name)), "{line}");
            ids.push(line.split_whitespace().nth(1).unwrap().to_string());
        }
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "four machines, four machine-ids");
}

#[test]
fn verify_passes_after_a_faithful_copy_and_fails_on_one_byte() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let (same, _) = fleet.verify(&p.origin, &p.target);
    assert!(!same, "a fresh target differs from a populated origin");
    let dir = scratch();
    let inv = claim
        .inventory(&fleet, dir.path(), "vars: { cutover_mode: ip, cutover_prefix: 16 }", |_| String::new());
    Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run().code(0);
    let (same, report) = fleet.verify(&p.origin, &p.target);
    assert!(same, "{report}");
    // One byte of one mail on the target.
    let file = fleet.sh(&p.target, "find /var/spool/cyrus -type f -size +1k | head -n 1");
    let original =
        fleet.sh(&p.target, &format!("dd if='{file}' bs=1 skip=100 count=1 2>/dev/null | od -An -tx1"));
    let other = if original.trim() == "5a" { 'Y' } else { 'Z' };
    fleet.sh(&p.target, &format!("printf '{other}' | dd of='{file}' bs=1 seek=100 conv=notrunc 2>/dev/null"));
    let (same, report) = fleet.verify(&p.origin, &p.target);
    assert!(!same && report.contains("sha256"), "one byte must be seen:\n{report}");
    fleet.sh(
        &p.target,
        &format!("printf '\\x{}' | dd of='{file}' bs=1 seek=100 conv=notrunc 2>/dev/null", original.trim()),
    );
    let (same, report) = fleet.verify(&p.origin, &p.target);
    assert!(same, "restored: {report}");
}

/// One fleet's `down` while another fleet comes up (developers and CI share a machine): the last
/// `down` removes the machine's shared mount points, and must not do so under a fleet that is
/// coming up. `tests/fleet/race-check` forces the interleaving in a sandbox of its own (it needs
/// no fleet and touches none), so this fails every time the machine lock is missing.
#[test]
fn one_fleets_down_never_removes_the_mount_points_of_another_coming_up() {
    let out = std::process::Command::new(common::repo().join("tests/fleet/race-check"))
        .output()
        .expect("run tests/fleet/race-check");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "tests/fleet/race-check failed:\n{text}");
    assert!(text.contains("race-check: ok"), "{text}");
}

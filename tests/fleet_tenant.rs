//! The large-tenant generator of `bench/downtime --size large` (bench/lib/tenant.py), at a size
//! CI affords, so it cannot rot: a tenant of a few thousand message files (hard links, index
//! files, hsm, ES, bj-data rows) and a day of change between the hot sync and the cold sync,
//! migrated end to end and verified identical. With more than 1000 messages of the day, it also
//! guards the hot sync's census (find | head under pipefail died of SIGPIPE on such a host).

mod common;

use std::process::{Command, Stdio};

use common::{Bmfleet, Fleet, repo, scratch};

/// `fleet exec HOST python3 - ARGS < bench/lib/tenant.py`, which must succeed; its stdout.
fn tenant(fleet: &Fleet, host: &str, args: &[&str]) -> String {
    let prog = std::fs::File::open(repo().join("bench/lib/tenant.py")).expect("bench/lib/tenant.py");
    let out = Command::new(repo().join("tests/fleet/fleet"))
        .env("BMFLEET_FLEET_DIR", &fleet.dir)
        .args(["exec", host, "/usr/bin/python3", "-"])
        .args(args)
        .stdin(Stdio::from(prog))
        .output()
        .expect("fleet exec");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "tenant {args:?} on {host}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn a_small_generated_tenant_with_a_day_of_change_migrates_identical() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let made = tenant(&fleet, &p.origin, &["generate", "--files", "3000", "--db-mb", "8"]);
    assert!(made.contains("messages=3000") && made.contains("hard_links="), "{made}");
    let links = fleet.sh(&p.origin, "find /var/spool/cyrus/data -type f -links +1 | wc -l");
    assert!(links.parse::<u32>().unwrap() > 300, "single-instance hard links: {links}");
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
    for phase in ["preflight", "trust", "hot-sync"] {
        let out = Bmfleet::new().arg(phase).inventory(&inv).run();
        out.code(0);
    }
    let day = tenant(&fleet, &p.origin, &["day", "--seed", "ci"]);
    assert!(day.contains("new messages") && day.contains("expunged"), "{day}");
    fleet.mutate(&p.origin);
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run();
    out.code(0);
    out.pair_is(&p.name, "ok");
    let (same, report) = fleet.verify(&p.origin, &p.target);
    assert!(same, "{}: {report}", p.name);
}

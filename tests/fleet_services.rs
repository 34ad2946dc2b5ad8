//! One way to drive services (issue 26, item 7), on a real fleet host: the cutover's "stop origin
//! for good", the point-of-no-return step, asks whether systemd runs (templates/lib/services.sh:
//! /run/systemd/system, as sd_booted(3)), not whether a systemctl is installed; and run again
//! after a first run that stopped part of the origin, or all of it, it finishes without error.
//!
//! Fleet hosts play a booted systemd: the systemctl stand-in and systemd's mark
//! /run/systemd/system (tests/fleet/README.md). A host started without systemd is played by
//! taking the mark away and giving the step a `systemctl` that answers as a systemctl does
//! there. That systemctl is a shell function of the step, seen by its own `command -v` and calls
//! and by no child: BlueMind's bmctl is BlueMind's (its stand-in keeps driving bluemind.target),
//! the role's own calls are what is tested.

mod common;

use common::{Bmfleet, Fleet, scratch};

/// What systemctl answers on a host whose PID 1 is not systemd (a container).
const NOT_BOOTED: &str = "systemctl() { echo \"System has not been booted with systemd as init system (PID 1). Can't operate.\" >&2; echo 'Failed to connect to bus: Host is down' >&2; return 1; }";

/// A role holding only the cutover's stop-origin step: phase `stop` as the role has it, phase
/// `stop-without-systemd` with the systemctl of a host not booted with systemd.
fn stop_role(dir: &std::path::Path) -> std::path::PathBuf {
    let role = dir.join("stop-role");
    std::fs::create_dir_all(&role).unwrap();
    std::os::unix::fs::symlink(common::repo().join("roles/bluemind/templates"), role.join("templates"))
        .unwrap();
    let step = |phase: &str, prefix: &str| {
        format!(
            "  - name: {phase}\n    steps:\n      - name: stop origin for good\n        on: origin\n        run: |\n          {prefix}\n          {{% include \"templates/cutover/stop-origin.sh\" %}}\n"
        )
    };
    std::fs::write(
        role.join("role.yml"),
        format!(
            "name: stop-only\ndefaults:\n  cutover_mode: none\n  host_state_override: false\n\
             vars:\n  cutover_mode: {{ type: enum, values: [none, ip, netplan, ifupdown], description: d }}\n  host_state_override: {{ type: boolean, description: d }}\n\
             phases:\n{}{}",
            step("stop", ":"),
            step("stop-without-systemd", NOT_BOOTED)
        ),
    )
    .unwrap();
    role
}

/// Is everything the step stops stopped on `host`? (BlueMind, postfix, PostgreSQL.)
fn all_stopped(fleet: &Fleet, host: &str) -> String {
    fleet.sh(
        host,
        "cat /etc/bmfleet-sim/bluemind.state /etc/bmfleet-sim/postfix.state; /etc/init.d/postgresql status || true",
    )
}

const STOPPED: &str = "stopped\nstopped\n15/main (port 5432): down";

#[test]
fn stop_origin_stops_a_host_without_systemd_and_finishes_when_run_again() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let dir = scratch();
    let role = stop_role(dir.path());
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
    // The step checks the origin's host record first: preflight writes it.
    Bmfleet::new().arg("preflight").inventory(&inv).run().code(0);
    let run = |phase: &str| Bmfleet::new().arg("run").arg(&role).arg(phase).inventory(&inv).run();
    let record = format!("cat /var/lib/bmfleet/state/pair.{}", p.name);
    assert_ne!(all_stopped(&fleet, &p.origin), STOPPED, "the origin serves before the step");

    // A host with systemctl installed and no systemd running. Before, systemctl was asked since
    // it was there: postfix and BlueMind stopped, then "cannot stop bm-nginx", past the point of
    // no return. Now every service goes through its init script; bm-nginx has none here.
    fleet.sh(&p.origin, "rm -rf /run/systemd");
    let out = run("stop-without-systemd");
    out.code(0);
    let log = out.pair_log(&p.name);
    assert!(log.contains("bm-nginx: not installed") && log.contains("postgresql stopped"), "{log}");
    assert_eq!(all_stopped(&fleet, &p.origin), STOPPED);
    let calls = fleet.sh(&p.origin, "cat /etc/bmfleet-sim/calls.log");
    assert!(calls.contains("postgresql-init stop") && calls.contains("postfix stop"), "{calls}");
    assert!(fleet.sh(&p.origin, &record).contains("stage=retired"));
    // Run again after it completed: everything is stopped already, which is not a failure.
    run("stop-without-systemd").code(0);
    assert_eq!(all_stopped(&fleet, &p.origin), STOPPED);

    // With systemd, a first run cut short after BlueMind, postfix and PostgreSQL stopped: the
    // second run finishes (stopping a stopped unit succeeds, as systemd's does).
    fleet.sh(
        &p.origin,
        "mkdir -p /run/systemd/system && bmctl start >/dev/null && /etc/init.d/postfix start >/dev/null",
    );
    let out = run("stop");
    out.code(0);
    let log = out.pair_log(&p.name);
    assert!(log.contains("postgresql stopped") && log.contains("stopped on the origin for good"), "{log}");
    assert_eq!(all_stopped(&fleet, &p.origin), STOPPED);
    assert!(fleet.sh(&p.origin, "cat /etc/bmfleet-sim/calls.log").contains("systemctl stop bm-nginx"));
    run("stop").code(0);
}

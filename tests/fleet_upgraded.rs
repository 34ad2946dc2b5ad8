//! Servers upgraded from BlueMind 4.x to 5.x (issue #26, item 4). BlueMind's upgrade leaves the
//! transitional packages of packaging/bm-conf/debian/control (bm-cyrus, bm-lmtpd, bm-sds-proxy,
//! bm-ips, bm-plugin-core-mailapp) installed, and bm-conf's postinst `removeCyrus()` leaves
//! /etc/imapd.conf and friends in place (BlueMind's source, GitHub mirror mdhender/bluemindfork).
//! A fresh 5.x target has neither. The fleet's `upgraded-from-4` knob makes an origin so.

mod common;

use common::{Bmfleet, Fleet, scratch};

#[test]
fn an_origin_upgraded_from_4x_migrates_to_a_fresh_5x_target_its_leftovers_reported_not_read() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.set(&p.origin, "upgraded-from-4", "");
    fleet.populate(&p.origin);
    let dir = scratch();
    let inv = claim
        .inventory(&fleet, dir.path(), "vars: { cutover_mode: ip, cutover_prefix: 16 }", |_| String::new());
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run();
    let log = out.pair_log(&p.name);
    out.code(0);
    // Reported, not refused: the transitional packages ship no code and no data.
    assert!(
        log.contains(
            "the origin keeps transitional packages of its upgrade from BlueMind 4 that a fresh BlueMind 5 install \
             does not have: bm-cyrus bm-ips bm-lmtpd bm-plugin-core-mailapp bm-sds-proxy"
        ),
        "{log}"
    );
    assert!(!log.contains("the target lacks BlueMind packages"), "{log}");
    // The version decides the layout: the Cyrus files removeCyrus() left are not read.
    assert!(log.contains("/etc/imapd.conf is left from before BlueMind 5"), "{log}");
    assert!(log.contains("no mailbox-level check: BlueMind 5.3.2 has no Cyrus"), "{log}");
    assert!(!log.contains("cyrus.index"), "{log}");
    let summary = out.summary();
    let report = summary["pairs"].as_array().unwrap().iter().find(|r| r["pair"] == p.name.as_str()).unwrap();
    assert_eq!(report["status"], "warning", "the packages are a warning of preflight: {report}");
    assert_eq!(fleet.sh(&p.target, "cat /etc/bmfleet-sim/bluemind.state"), "running");
}

/// A 4.x origin's bm-lmtpd is a real package of the Cyrus era: a 4.x target without it is
/// refused, as any missing package.
#[test]
fn a_4x_target_without_the_origins_bm_lmtpd_is_refused() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    for host in [&p.origin, &p.target] {
        fleet.set(host, "bm-version", "4.9.3");
    }
    // As the 5.x knob adds it, on the 4.x origin (a stanza of the same version).
    fleet.sh(
        &p.origin,
        "printf 'Package: bm-lmtpd\\nStatus: install ok installed\\nPriority: optional\\nSection: net\\n\
         Architecture: all\\nVersion: 4.9.3\\nDescription: bm-lmtpd\\n\\n' >>/var/lib/dpkg/status",
    );
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
    let out = Bmfleet::new().arg("preflight").inventory(&inv).run();
    out.code(3);
    assert!(
        out.all_output().contains("the target lacks BlueMind packages the origin has: bm-lmtpd;"),
        "{}",
        out.all_output()
    );
}

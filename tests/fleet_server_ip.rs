//! Server addresses in the database (issue #26): BlueMind keeps each server's address in bj's
//! `t_server.ip` (server-schema.1.0.0.sql) and routes mail, stores messages and opens its firewall
//! with it. The cold sync copies the origin's rows: the target must own every such address before
//! it starts. The fleet's hosts carry the address BlueMind's installer writes (their own); claimed
//! pairs name loopback (tests/common), so these tests set it back.

mod common;

use std::path::Path;

use common::{Bmfleet, Fleet, FleetPair, Outcome, journal_in, scratch};

fn pair_report<'a>(summary: &'a serde_json::Value, pair: &str) -> &'a serde_json::Value {
    summary["pairs"].as_array().unwrap().iter().find(|r| r["pair"] == pair).unwrap()
}

/// What the pair's steps printed in this run.
fn pair_log(out: &Outcome, pair: &str) -> String {
    out.pair_log(pair)
}

/// The stand-ins' record of BlueMind on a host.
fn bluemind(fleet: &Fleet, host: &str) -> String {
    fleet.sh(host, "cat /etc/bmfleet-sim/bluemind.state")
}

fn server_ips(fleet: &Fleet, host: &str) -> String {
    fleet.sh(host, "cd / && runuser -u postgres -- psql -X -At -d bj -c 'SELECT ip FROM t_server'")
}

/// As BlueMind's installer leaves it: t_server.ip is the origin's own address.
fn origin_address_in_t_server(fleet: &Fleet, p: &FleetPair) {
    fleet.set_server_ip(&p.origin, &p.origin_addr);
    assert_eq!(server_ips(fleet, &p.origin), p.origin_addr);
}

/// cutover_mode none, no address moved: preflight warns with what to do, and "start target
/// services" refuses before its point of no return, naming the address and the server's tags;
/// the pair rolls back, the origin serves again.
#[test]
fn a_target_that_does_not_own_the_origins_t_server_ip_is_warned_in_preflight_and_refused_at_start() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    origin_address_in_t_server(&fleet, p);
    fleet.populate(&p.origin);
    let dir = scratch();
    let state = dir.path().join("state");
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
    let bmfleet = |args: &[&str]| Bmfleet::new().args(args).inventory(&inv).arg("--state-dir").arg(&state);
    let out = bmfleet(&["preflight"]).run();
    out.code(0);
    out.pair_is(&p.name, "warning");
    let log = pair_log(&out, &p.name);
    assert!(
        log.contains(&format!(
            "t_server.ip of the origin's bj names addresses the target will not have when post starts it: {} (tags bm/core,",
            p.origin_addr
        )),
        "{log}"
    );
    assert!(log.contains("give the target that address: cutover_mode ip, netplan or ifupdown"), "{log}");
    for phase in ["trust", "hot-sync", "cold-sync"] {
        bmfleet(&[phase]).run().code(0);
    }
    assert_eq!(server_ips(&fleet, &p.target), p.origin_addr, "the cold sync copied the origin's rows");
    let out = bmfleet(&["post"]).run();
    out.code(3);
    let summary = out.summary();
    let report = pair_report(&summary, &p.name);
    assert_eq!(report["failed_step"], "post/start target services", "{report}");
    assert!(
        out.stdout.contains(&format!("t_server.ip {} (server tags bm/core,", p.origin_addr)),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("in the restored bj is not an address of this target"), "{}", out.stdout);
    assert!(report["point_of_no_return"].is_null(), "refused before its point: {report}");
    let j = journal_in(&Path::new(&state).join("pairs"), &p.name);
    assert!(j["point_of_no_return"].is_null(), "{j}");
    assert_eq!(report["rollback"]["ok"], true, "{report}");
    assert_eq!(bluemind(&fleet, &p.origin), "running", "the origin serves again");
    assert_eq!(bluemind(&fleet, &p.target), "stopped", "nothing was started on the target");
}

/// cutover_mode ip: the target takes the origin's address at cutover, so the origin's
/// t_server.ip is its own when post starts it: preflight says so, and the migration completes.
#[test]
fn a_target_that_took_the_origins_address_starts_with_its_t_server_ip() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    origin_address_in_t_server(&fleet, p);
    fleet.populate(&p.origin);
    let dir = scratch();
    let inv = claim
        .inventory(&fleet, dir.path(), "vars: { cutover_mode: ip, cutover_prefix: 16 }", |_| String::new());
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run();
    out.code(0);
    let log = pair_log(&out, &p.name);
    assert!(
        log.contains(&format!(
            "t_server.ip {} (tags bm/core,bm/pgsql,bm/pgsql-data,mail/imap,mail/smtp,bm/es,bm/hps): the target's once it took the address at cutover",
            p.origin_addr
        )),
        "{log}"
    );
    out.pair_is(&p.name, "ok");
    assert_eq!(server_ips(&fleet, &p.target), p.origin_addr);
    assert_eq!(bluemind(&fleet, &p.target), "running");
}

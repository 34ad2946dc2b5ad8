//! cutover_mode keep-address (issue #26 item 1): a tenant moved to another data centre cannot take
//! the origin's address. The target keeps its own, and post applies BlueMind's IP-change
//! procedure before it starts (bluemind-doc, docs/Base_de_connaissance/
//! Changement_d_adresse_IP_d_un_serveur_BlueMind.md, at the parent of ca60931): bm.ini `host` and
//! `hz-member-address`, bj's `t_server.ip`, then the firewall, postfix maps, My networks and `bm-cli
//! tick reconfigure`, and names the DNS records the operator switches. The fleet's hosts carry their
//! own address as BlueMind's installer writes it; claimed pairs name loopback (tests/common), so
//! this test sets the origin's back.

mod common;

use common::{Bmfleet, Fleet, Outcome, scratch};

fn server_ips(fleet: &Fleet, host: &str) -> String {
    fleet.sh(host, "cd / && runuser -u postgres -- psql -X -At -d bj -c 'SELECT ip FROM t_server'")
}

fn bm_ini(fleet: &Fleet, host: &str, key: &str) -> String {
    fleet.sh(host, &format!("sed -n 's/^{key} *= *//p' /etc/bm/bm.ini"))
}

fn pair_log(out: &Outcome, pair: &str) -> String {
    out.pair_log(pair)
}

/// The origin as BlueMind's installer leaves it (bm.ini and t_server.ip name its own address);
/// migrated with keep-address, the target starts on its own address: bm.ini, t_server.ip and the
/// system configuration name it, the firewall allows it, tick was reconfigured, the origin is
/// retired, and the operator is told which DNS records to switch. Before, the role refused
/// `keep-address` (not one of none, ip, netplan, ifupdown) and, with none, "start target
/// services" refused the origin's t_server.ip (fleet_server_ip.rs).
#[test]
fn keep_address_rewrites_the_origins_address_to_the_targets_and_names_the_dns_records() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.set_server_ip(&p.origin, &p.origin_addr);
    fleet.sh(
        &p.origin,
        &format!(
            "sed -i 's/^hz-member-address *=.*/hz-member-address={a}/; s/^host *=.*/host={a}/' /etc/bm/bm.ini",
            a = p.origin_addr
        ),
    );
    fleet.sh(
        &p.origin,
        &format!(
            "cd / && runuser -u postgres -- psql -X -q -d bj -c \"UPDATE t_systemconf SET value = '{}' WHERE key = 'host'\"",
            p.origin_addr
        ),
    );
    fleet.populate(&p.origin);
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: keep-address }", |_| String::new());
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run();
    out.code(0);
    out.pair_is(&p.name, "ok");
    let log = pair_log(&out, &p.name);
    // preflight: the one foreign address is rewritten at post, not a warning
    assert!(
        log.contains(&format!("t_server.ip {} (tags bm/core,", p.origin_addr))
            && log.contains("rewritten to the target's own address at post, before it starts"),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "keep-address: {} (the origin's) rewritten to {} in /etc/bm/bm.ini",
            p.origin_addr, p.target_addr
        )),
        "{log}"
    );
    // BlueMind on the target names the target's own address everywhere the procedure says.
    assert_eq!(server_ips(&fleet, &p.target), p.target_addr);
    assert_eq!(bm_ini(&fleet, &p.target, "host"), p.target_addr);
    assert_eq!(bm_ini(&fleet, &p.target, "hz-member-address"), p.target_addr);
    let host_conf = fleet.sh(
        &p.target,
        "cd / && runuser -u postgres -- psql -X -At -d bj -c \"SELECT value FROM t_systemconf WHERE key = 'host'\"",
    );
    assert_eq!(host_conf, p.target_addr);
    // It started, after the rewrite, and the post actions ran on the new address.
    assert_eq!(fleet.sh(&p.target, "cat /etc/bmfleet-sim/bluemind.state"), "running");
    assert_eq!(fleet.sh(&p.origin, "cat /etc/bmfleet-sim/bluemind.state"), "stopped");
    let fw = fleet.sh(&p.target, "sed -n 's/^bmHosts=//p' /etc/init.d/bm-iptables");
    assert!(fw.contains(&p.target_addr) && !fw.contains(&p.origin_addr), "{fw}");
    let cli = fleet.sh(&p.target, "cat /etc/bmfleet-sim/bm-cli.log");
    assert!(cli.contains(r#""tick", "reconfigure""#), "{cli}");
    // The operator is told which DNS records to switch.
    let summary = out.summary();
    let report = summary["pairs"].as_array().unwrap().iter().find(|r| r["pair"] == p.name).unwrap();
    let manual = report["manual"].to_string();
    assert!(manual.contains(&format!("switch DNS to the target's address {}", p.target_addr)), "{manual}");
    assert!(manual.contains(&format!("(was {})", p.origin_addr)), "{manual}");
    assert!(manual.contains("A/AAAA records of") && manual.contains("MX records of"), "{manual}");
}

/// A multi-server installation (a second node in the origin's t_server, another foreign address)
/// cannot keep the target's address: post/keep-address.sh rewrites one address, and would refuse
/// only after the cutover retired the origin. Preflight refuses it, so nothing stops: the origin
/// serves on, untouched, and the target was never written to.
#[test]
fn keep_address_refuses_a_multi_server_installation_at_preflight_before_anything_stops() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.set_server_ip(&p.origin, &p.origin_addr);
    fleet.sh(
        &p.origin,
        "cd / && runuser -u postgres -- psql -X -q -d bj -c \"INSERT INTO t_server (uid, ip, fqdn, name, tags) VALUES ('edge-1', '192.0.2.77', 'edge.example', 'edge', '{mail/smtp-edge}')\"",
    );
    fleet.populate(&p.origin);
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: keep-address }", |_| String::new());
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run();
    assert_ne!(out.pair_status(&p.name), "ok", "{}", out.stdout);
    let log = pair_log(&out, &p.name);
    assert!(
        log.contains("names several addresses the target does not own")
            && log.contains("192.0.2.77 (tags mail/smtp-edge)")
            && log.contains("move this one by hand"),
        "{log}"
    );
    // Refused at preflight: no phase after it ran, the origin was never stopped.
    assert!(!log.contains("hot-sync/"), "{log}");
    assert!(!log.contains("cold-sync/"), "{log}");
    assert_eq!(fleet.sh(&p.origin, "cat /etc/bmfleet-sim/bluemind.state"), "running");
    assert!(
        !fleet.sh(&p.origin, "cat /etc/bmfleet-sim/calls.log 2>/dev/null || true").contains("bmctl stop")
    );
    assert_eq!(server_ips(&fleet, &p.target).lines().filter(|ip| *ip == "192.0.2.77").count(), 0);
}

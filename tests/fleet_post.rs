//! Post's console actions proven on the host, not by exit codes (issue #26, items 2, 3, 6).
//! The stand-ins behave as BlueMind's source says (tests/fleet/sim): the firewall task ends in
//! Success when a server's write failed (RulesUpdater.java), `_repair` only requests the maps'
//! rebuild (PostfixMgmt.java), `bm-cli maintenance repair` exits 0 on "Failed to repair entry"
//! (CliRepair.java, Tasks.java), "My networks" reaches postfix only on servers tagged mail/smtp
//! (SettingsHook.java), and a demoted core is read-only (SystemState.java, ReadOnlyMode.java).

mod common;

use common::{Bmfleet, Fleet, Outcome, scratch};

/// The target takes the origin's address; the waits for a proof are short here.
const VARS: &str = "vars: { cutover_mode: ip, cutover_prefix: 16, proof_timeout_secs: 5 }";

fn pair_log(out: &Outcome, pair: &str) -> String {
    out.pair_log(pair)
}

fn failed_step(out: &Outcome, pair: &str) -> String {
    let summary = out.summary();
    let report = summary["pairs"].as_array().unwrap().iter().find(|r| r["pair"] == pair).unwrap().clone();
    report["failed_step"].as_str().unwrap_or_default().to_string()
}

/// The realms' client secrets of the host's own Keycloak (the core stand-in's store).
fn keycloak_realms(fleet: &Fleet, host: &str) -> serde_json::Value {
    serde_json::from_str(&fleet.sh(host, "cat /etc/bmfleet-sim/keycloak-realms.json")).unwrap()
}

/// bj's OPENID_CLIENT_SECRET of every domain that has one.
fn bj_secrets(fleet: &Fleet, host: &str) -> Vec<(String, String)> {
    let out = fleet.sh(
        host,
        "cd / && runuser -u postgres -- psql -X -At -F ' ' -d bj -c \"SELECT name, properties -> 'OPENID_CLIENT_SECRET' FROM t_domain WHERE properties ? 'OPENID_CLIENT_SECRET' ORDER BY 1\"",
    );
    out.lines().filter_map(|l| l.split_once(' ')).map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

/// One migration of two pairs, then post again on the first with stand-ins failing as BlueMind
/// does, one way at a time.
#[test]
fn post_proves_each_console_action_on_the_target() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (p, q) = (claim.pair(0), claim.pair(1));
    fleet.populate(&p.origin);
    fleet.populate(&q.origin);
    let fresh = keycloak_realms(&fleet, &p.target);
    // q: the origin's server is not tagged mail/smtp: BlueMind saves "My networks" and pushes it
    // to no postfix (SettingsHook.java getTaggedServers).
    fleet.sh(
        &q.origin,
        "cd / && runuser -u postgres -- psql -X -q -d bj -c \"UPDATE t_server SET tags = array_remove(tags, 'mail/smtp')\"",
    );
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), VARS, |i| {
        if i == 1 { "vars: { mynetworks: \"127.0.0.0/8 10.99.0.0/16\" }".into() } else { String::new() }
    });
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).in_dir(dir.path()).run();
    out.code(3);
    out.pair_is(&p.name, "ok");
    let log = pair_log(&out, &p.name);
    // Keycloak: every realm, global.virt included, realigned and proven by the repair's log; the
    // target kept its own secrets (RestoreDomains.java), and bj and Keycloak agree on each.
    let cli = fleet.sh(&p.target, "cat /etc/bmfleet-sim/bm-cli.log");
    assert!(cli.contains(r#""repair", "global.virt", "--ops", "domain.keycloak""#), "{cli}");
    assert!(log.contains("Keycloak configuration don't need repair for domain: global.virt"), "{log}");
    let realms = keycloak_realms(&fleet, &p.target);
    assert_eq!(realms["global.virt"], fresh["global.virt"], "the target's global.virt realm was kept");
    let secrets = bj_secrets(&fleet, &p.target);
    assert!(secrets.len() >= 4, "{secrets:?}");
    for (domain, secret) in &secrets {
        assert_eq!(
            realms[domain.as_str()].as_str(),
            Some(secret.as_str()),
            "{domain}: bj and Keycloak differ"
        );
    }
    // Firewall and maps: proven on the host.
    assert!(log.contains("firewall: rules written for: 127.0.0.1"), "{log}");
    assert!(log.contains("postfix maps rebuilt: /etc/postfix/virtual_domains-flat lists the"), "{log}");
    let (same, report) = fleet.verify(&p.origin, &p.target);
    assert!(same, "{report}");
    // "My networks" saved but not in postfix: the save is not proven.
    assert_eq!(failed_step(&out, &q.name), "post/my networks", "{}", out.stdout);
    assert!(pair_log(&out, &q.name).contains("but postfix here still has"), "{}", out.stdout);

    let post = || Bmfleet::new().args(["post"]).inventory(&inv).limit(&p.name).in_dir(dir.path()).run();
    let knob = |k: &str| fleet.sh(&p.target, &format!("touch /etc/bmfleet-sim/{k}"));
    let unknob = |k: &str| fleet.sh(&p.target, &format!("rm -f /etc/bmfleet-sim/{k}"));
    // A server's write failed: the task still ends in Success, its log says so.
    knob("fw-write.fail");
    let out = post();
    out.code(3);
    assert_eq!(failed_step(&out, &p.name), "post/firewall", "{}", out.stdout);
    assert!(out.stdout.contains("Host 127.0.0.1 failed updated"), "{}", out.stdout);
    unknob("fw-write.fail");
    // The maps' rebuild never happens, a realm's repair fails: warnings with what to do.
    knob("postfix-maps.stuck");
    knob("keycloak-repair.fail");
    let out = post();
    out.pair_is(&p.name, "warning");
    let log = pair_log(&out, &p.name);
    assert!(log.contains("the postfix maps were not rebuilt within 5 s"), "{log}");
    assert!(log.contains("Failed to repair entry"), "{log}");
    assert!(log.contains("BMFLEET-MANUAL: realign Keycloak for:"), "{log}");
    unknob("postfix-maps.stuck");
    unknob("keycloak-repair.fail");
    // A demoted core is read-only: no wait (core_start_timeout_secs is 600), a failure that says so.
    fleet.sh(&p.target, "echo CORE_STATE_DEMOTED >/etc/bmfleet-sim/core.state");
    let started = std::time::Instant::now();
    let out = post();
    out.code(3);
    assert_eq!(failed_step(&out, &p.name), "post/wait for the core", "{}", out.stdout);
    assert!(out.stdout.contains("read-only, not the leader"), "{}", out.stdout);
    assert!(started.elapsed().as_secs() < 100, "failed at once, not after the timeout");
    fleet.sh(&p.target, "rm /etc/bmfleet-sim/core.state");
}

/// The core stand-in as BlueMind's RestRootHandler.java: 403 to a missing or bad key, the state
/// without one; bm-cli's repair POSTs per entry and skips an operation no entry offers, exit 0.
#[test]
fn the_core_stand_in_answers_403_and_serves_its_state_without_a_key() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let h = &claim.pair(0).target;
    fleet.sh(h, "bmfleet-sim core-start");
    let code = |args: &str| fleet.sh(h, &format!("curl -s -o /dev/null -w '%{{http_code}}' {args}"));
    assert_eq!(code("http://127.0.0.1:8090/api/system/installation/state"), "200");
    assert_eq!(code("http://127.0.0.1:8090/api/configuration"), "403");
    assert_eq!(code("-H 'X-BM-ApiKey: wrong' http://127.0.0.1:8090/api/configuration"), "403");
    let out = fleet.exec(h, "bm-cli maintenance repair global.virt --ops no.such.op");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("entries have been ignored"), "{text}");
    let out = fleet.exec(h, "bm-cli maintenance repair global.virt --ops domain.keycloak");
    assert!(out.status.success(), "{out:?}");
    let api = fleet.sh(h, "cat /etc/bmfleet-sim/api.log");
    assert!(api.contains("/api/directory/global.virt/global.virt/mgmt/_maintenance/repair"), "{api}");
}

//! The BlueMind migration on the test fleet: real rsync, real PostgreSQL, verified byte for byte.

mod common;

use common::{Bmfleet, Claim, Fleet, scratch};

/// The target takes the origin's address at cutover (the fleet's hosts are on a /16): it must own
/// it before it starts, since the origin's bm.ini it now has names the origin's address as the
/// database and core host (CliContext.java).
const VARS: &str = "vars: { cutover_mode: ip, cutover_prefix: 16 }";

fn inventory(fleet: &Fleet, claim: &Claim, dir: &std::path::Path) -> std::path::PathBuf {
    claim.inventory(fleet, dir, VARS, |_| String::new())
}

#[test]
fn migrate_moves_four_pairs_and_verify_passes_for_each() {
    let fleet = Fleet::get();
    let claim = fleet.claim(4);
    for p in &claim.pairs {
        fleet.populate(&p.origin);
    }
    let dir = scratch();
    // The first pair gets other "My networks" from the inventory; the others keep the origin's,
    // which BlueMind would not push again (SettingsHook.java): verified, not re-saved.
    let inv = claim.inventory(&fleet, dir.path(), VARS, |i| {
        if i == 0 { "vars: { mynetworks: \"127.0.0.0/8 10.99.0.0/16\" }".into() } else { String::new() }
    });
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run();
    out.code(0);
    for (i, p) in claim.pairs.iter().enumerate() {
        out.pair_is(&p.name, "ok");
        // The post phase replayed the console actions on the target, and BlueMind runs there.
        let calls = fleet.sh(&p.target, "cat /etc/bmfleet-sim/bm-cli.log /etc/bmfleet-sim/api.log");
        assert!(calls.contains(r#""maintenance", "update-fw""#), "{calls}");
        assert!(calls.contains("/api/system/maildelivery/mgmt/_repair"), "{calls}");
        let postfix = fleet.sh(&p.target, "postconf -h mynetworks");
        if i == 0 {
            assert!(calls.contains(r#""sysconf", "set", "mynetworks""#), "{calls}");
            assert_eq!(postfix, "127.0.0.0/8 10.99.0.0/16", "BlueMind pushed the new value to postfix");
            // the new value differs from the origin's in main.cf and t_systemconf: spools only
            let (same, report) = fleet.verify_spools(&p.origin, &p.target);
            assert!(same, "{}: {report}", p.name);
        } else {
            assert!(!calls.contains(r#""sysconf", "set""#), "an unchanged value is not saved again: {calls}");
            let log = out.pair_log(&p.name);
            assert!(log.contains("my networks: verified, not re-saved"), "{log}");
            let (same, report) = fleet.verify(&p.origin, &p.target);
            assert!(same, "{}: {report}", p.name);
        }
        // The target's accounts have other ids than the origin's: files belong to the target's
        // accounts by name (rsync without --numeric-ids), and preflight reported the mapping.
        let ids = |h| fleet.sh(h, "id -u cyrus; id -u elasticsearch");
        assert_ne!(ids(&p.origin), ids(&p.target));
        let owners = "stat -c '%U:%G %u' /var/spool/cyrus/data | head -1; find /var/spool/bm-elasticsearch -type f -printf '%u %U\\n' | sort -u";
        let expected =
            fleet.sh(&p.target, "echo cyrus:mail $(id -u cyrus); echo elasticsearch $(id -u elasticsearch)");
        assert_eq!(fleet.sh(&p.target, owners), expected);
        let log = out.pair_log(&p.name);
        assert!(log.contains("user cyrus: origin 930 -> target 940 (files are mapped by name)"), "{log}");
        // 5.x: no Cyrus directories; the spools the origin lacks are skipped and reported, and the
        // target gets no empty directory in their place. Keycloak was realigned per domain.
        assert!(log.contains("skipped: the origin has no /var/lib/cyrus/"), "{log}");
        assert!(log.contains("skipped: the origin has no /var/spool/sieve/"), "{log}");
        assert_eq!(fleet.sh(&p.target, "ls -d /var/lib/cyrus /var/spool/sieve 2>/dev/null | wc -l"), "0");
        assert!(calls.contains(r#""--ops", "domain.keycloak""#), "{calls}");
        assert_eq!(fleet.sh(&p.target, "cat /etc/bmfleet-sim/bluemind.state"), "running");
        assert_eq!(fleet.sh(&p.origin, "cat /etc/bmfleet-sim/bluemind.state"), "stopped");
        // The temporary trust is gone from both hosts.
        assert!(!fleet.sh(&p.origin, "cat /root/.ssh/authorized_keys").contains("bmfleet-migration"));
        assert_eq!(fleet.sh(&p.target, "ls /root/.ssh/bmfleet_migration_ed25519 2>/dev/null | wc -l"), "0");
    }
    let summary = out.summary();
    for p in summary["pairs"].as_array().unwrap() {
        let records = &p["records"];
        let downtime =
            records["downtime_end"].as_f64().unwrap() - records["downtime_start"].as_f64().unwrap();
        assert!(downtime > 0.0 && downtime < 60.0, "downtime {downtime}");
        assert!(p["phases_completed"].as_array().unwrap().len() == 7, "{p}");
    }
    // Everything is done: a second migrate has nothing left to do.
    let again = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).in_dir(dir.path()).run();
    again.code(0);
    assert!(again.stderr.contains("every phase is completed"), "{}", again.stderr);
}

#[test]
fn a_version_mismatch_is_blocked_in_preflight_while_the_others_complete() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (bad, good) = (claim.pair(0), claim.pair(1));
    fleet.set(&bad.target, "bm-version", "5.1.9");
    fleet.populate(&good.origin);
    let dir = scratch();
    let inv = inventory(&fleet, &claim, dir.path());
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run();
    out.code(3);
    out.pair_is(&bad.name, "failed");
    out.pair_is(&good.name, "ok");
    let summary = out.summary();
    let bad_report =
        summary["pairs"].as_array().unwrap().iter().find(|p| p["pair"] == bad.name.as_str()).unwrap();
    assert_eq!(bad_report["failed_step"], "preflight/same version");
    assert_eq!(bad_report["phases_completed"].as_array().unwrap().len(), 0);
    assert!(out.stdout.contains("bm-core differs: origin 5.3.2, target 5.1.9"), "{}", out.stdout);
    assert!(out.stdout.contains("BLOCKED"), "the checks table says so:\n{}", out.stdout);
    // Nothing touched the blocked pair's hosts.
    assert!(!fleet.sh(&bad.origin, "cat /root/.ssh/authorized_keys").contains("bmfleet-migration"));
    assert!(fleet.verify(&good.origin, &good.target).0);
}

#[test]
fn a_failed_dump_leaves_the_target_databases_untouched() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let dir = scratch();
    // The dump method's failure (`auto` would stream the cluster instead: fleet_physical.rs).
    let inv = claim.inventory(
        &fleet,
        dir.path(),
        "vars: { cutover_mode: ip, cutover_prefix: 16, db_sync: dump }",
        |_| String::new(),
    );
    // trust requires preflight (it records the pair on both hosts).
    Bmfleet::new().args(["preflight"]).inventory(&inv).run().code(0);
    Bmfleet::new().args(["trust"]).inventory(&inv).run().code(0);
    Bmfleet::new().args(["hot-sync"]).inventory(&inv).run().code(0);
    let before = fleet.sh(&p.target, "runuser -u postgres -- psql -X -At -d bj -c 'SELECT uuid FROM t_installation' 2>&1; cd /; runuser -u postgres -- psql -X -At -d postgres -c \"SELECT datname FROM pg_database ORDER BY 1\"");
    fleet.set(&p.origin, "pg", "down");
    let out = Bmfleet::new().args(["cold-sync"]).inventory(&inv).run();
    fleet.set(&p.origin, "pg", "up");
    out.code(3);
    let summary = out.summary();
    assert!(summary["pairs"][0]["failed_step"].as_str().unwrap().starts_with("cold-sync/dump"), "{summary}");
    let after = fleet.sh(&p.target, "runuser -u postgres -- psql -X -At -d bj -c 'SELECT uuid FROM t_installation' 2>&1; cd /; runuser -u postgres -- psql -X -At -d postgres -c \"SELECT datname FROM pg_database ORDER BY 1\"");
    assert_eq!(before, after, "the target's databases are exactly as before");
    assert!(
        out.stdout.contains("PostgreSQL refuses") || out.stdout.contains("dump"),
        "a clear message:\n{}",
        out.stdout
    );
    // The pair recovers: with the origin's PostgreSQL back, the cold sync completes.
    Bmfleet::new().args(["cold-sync"]).inventory(&inv).in_dir(dir.path()).run().code(0);
}

#[test]
fn hot_sync_while_the_origin_changes_succeeds_with_warnings() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let dir = scratch();
    let inv =
        claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none, rsync_bwlimit_kbps: 2000 }", |_| {
            String::new()
        });
    // trust requires preflight (it records the pair on both hosts).
    Bmfleet::new().args(["preflight"]).inventory(&inv).run().code(0);
    Bmfleet::new().args(["trust"]).inventory(&inv).run().code(0);
    // Files vanish on the origin while rsync sends them, deterministically: 800 files f000..f799
    // (rsync sends them in that order), and a watcher deletes f400..f799 as soon as rsync has read
    // f000 (its access time moves: relatime updates an atime older than the mtime on the first
    // read). Sending f001..f399 at the bandwidth limit takes seconds, so f400.. are listed and gone.
    // (A timing race before, files living about a second, failed about one run in two.)
    fleet.sh(
        &p.origin,
        "d=/var/spool/bm-hsm/churn; mkdir -p $d; for i in $(seq -w 0 799); do head -c 20000 /dev/urandom >$d/f$i; done; touch -a -d 2000-01-01 $d/f000; t0=$(stat -c %X $d/f000); nohup bash -c 'while [ \"$(stat -c %X '$d'/f000)\" = '$t0' ]; do sleep 0.01; done; rm -f '$d'/f[4-7]*' >/dev/null 2>&1 & echo $! >/tmp/churn.pid",
    );
    let out = Bmfleet::new().args(["hot-sync"]).inventory(&inv).run();
    fleet.sh(&p.origin, "kill $(cat /tmp/churn.pid) 2>/dev/null || true");
    out.code(0);
    assert_eq!(
        out.pair_status(&p.name),
        "warning",
        "rsync's exit 24 (vanished files) is a warning:\n{}",
        out.stdout
    );
    let summary = out.summary();
    let warnings = summary["pairs"][0]["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w == "hot-sync/rsync [/var/spool/bm-hsm/]"), "{summary}");
    // The next hot sync, with the origin quiet, copies everything.
    let again = Bmfleet::new().args(["hot-sync"]).inventory(&inv).in_dir(dir.path()).run();
    again.code(0);
    let (same, report) = fleet.verify_spools(&p.origin, &p.target);
    assert!(same, "{report}");
}

#[test]
fn a_4x_target_gets_the_firewall_through_the_rest_api() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.set(&p.origin, "bm-version", "4.9.3");
    fleet.set(&p.target, "bm-version", "4.9.3");
    fleet.populate(&p.origin);
    let dir = scratch();
    let inv = inventory(&fleet, &claim, dir.path());
    Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run().code(0);
    let calls = fleet.sh(&p.target, "cat /etc/bmfleet-sim/api.log");
    assert!(calls.contains("/api/system/security/_updatefirewallrules"), "{calls}");
    let cli = fleet.sh(&p.target, "cat /etc/bmfleet-sim/bm-cli.log");
    assert!(!cli.contains("update-fw") && !cli.contains("domain.keycloak"), "{cli}");
    // The Cyrus-era directories and files were copied, the per-domain certificate too.
    assert_eq!(fleet.sh(&p.target, "ls -d /var/lib/cyrus/mailboxes.db /var/spool/sieve /etc/imapd.conf /etc/bm-hps /etc/ssl/certs/bm_cert-*.pem | wc -l"), "5");
    let (same, report) = fleet.verify(&p.origin, &p.target);
    assert!(same, "{report}");
}

#[test]
fn post_reads_the_firewall_task_and_the_core_state_not_exit_codes() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    // A version with a Debian epoch: still 5.x (bmfleet strips the epoch to compare majors).
    fleet.set(&p.origin, "bm-version", "1:5.3.2");
    fleet.set(&p.target, "bm-version", "1:5.3.2");
    let dir = scratch();
    let inv = inventory(&fleet, &claim, dir.path());
    // bm-cli maintenance update-fw exits 0 when the task failed (UpdateFirewallCommand.java).
    fleet.sh(&p.target, "touch /etc/bmfleet-sim/fw-task.fail");
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).in_dir(dir.path()).run();
    out.code(3);
    assert_eq!(out.summary()["pairs"][0]["failed_step"], "post/firewall", "{}", out.stdout);
    let log = out.pair_log(&p.name);
    assert!(log.contains("Cannot update firewall rules InError"), "{log}");
    // A core in maintenance answers HTTP, but is not ready.
    fleet.sh(
        &p.target,
        "rm /etc/bmfleet-sim/fw-task.fail; echo CORE_STATE_MAINTENANCE >/etc/bmfleet-sim/core.state",
    );
    let out = Bmfleet::new().args(["post"]).inventory(&inv).in_dir(dir.path()).run();
    out.code(3);
    assert_eq!(out.summary()["pairs"][0]["failed_step"], "post/wait for the core", "{}", out.stdout);
    fleet.sh(&p.target, "rm /etc/bmfleet-sim/core.state");
    Bmfleet::new().args(["post"]).inventory(&inv).in_dir(dir.path()).run().code(0);
    // postfix's mynetworks no longer BlueMind's: saving the same value again would do nothing
    // (SettingsHook.java), so the operator is told, and nothing is saved.
    fleet.sh(&p.target, "postconf -e 'mynetworks = 127.0.0.0/8'");
    let out = Bmfleet::new().args(["post"]).inventory(&inv).in_dir(dir.path()).run();
    out.pair_is(&p.name, "warning");
    let log = out.pair_log(&p.name);
    assert!(log.contains("postfix's mynetworks (127.0.0.0/8) differs from BlueMind's"), "{log}");
    assert!(!fleet.sh(&p.target, "cat /etc/bmfleet-sim/bm-cli.log").contains(r#""sysconf", "set""#));
}

#[test]
fn preflight_blocks_missing_plugins_and_multi_server_installations() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (plugins, multi) = (claim.pair(0), claim.pair(1));
    // The 5.0 procedure page: the same BlueMind packages, plugins included, on both hosts.
    fleet.set(&plugins.target, "no-package", "bm-plugin-core-ldap-import");
    // bm.ini's host names another server: the database (and core) live elsewhere.
    fleet.sh(&multi.origin, "sed -i 's/^host=.*/host=10.254.0.9/' /etc/bm/bm.ini");
    let dir = scratch();
    let inv = inventory(&fleet, &claim, dir.path());
    let out = Bmfleet::new().args(["preflight"]).inventory(&inv).run();
    out.code(3);
    let summary = out.summary();
    let failed = |name: &str| {
        summary["pairs"].as_array().unwrap().iter().find(|p| p["pair"] == name).unwrap()["failed_step"]
            .clone()
    };
    assert_eq!(failed(&plugins.name), "preflight/same packages", "{}", out.stdout);
    assert_eq!(failed(&multi.name), "preflight/origin single server", "{}", out.stdout);
    let all = out.all_output() + &out.pair_log(&plugins.name) + &out.pair_log(&multi.name);
    assert!(
        all.contains("the target lacks BlueMind packages the origin has: bm-plugin-core-ldap-import"),
        "{all}"
    );
    assert!(all.contains("a multi-server BlueMind installation"), "{all}");
    assert!(!fleet.sh(&plugins.origin, "cat /root/.ssh/authorized_keys").contains("bmfleet-migration"));
}

//! The physical method of the databases (role.yml `db_sync`): a streaming standby of the
//! origin's cluster on the target from the hot sync on, promoted at the freeze; chosen by
//! preflight only where it is safe; undone by rollback, origin and target as before.

mod common;

use common::{Bmfleet, Claim, Fleet, FleetPair, repo, scratch};
use std::process::Command;

/// `cutover_mode: none` with loopback bm.ini (Fleet::claim): the post phase starts the target.
fn inventory(fleet: &Fleet, claim: &Claim, dir: &std::path::Path, db_sync: &str) -> std::path::PathBuf {
    claim.inventory(fleet, dir, &format!("vars: {{ cutover_mode: none, db_sync: {db_sync} }}"), |_| {
        String::new()
    })
}

/// The run's log of the pair.
fn log_of(out: &common::Outcome, p: &FleetPair) -> String {
    out.pair_log(&p.name)
}

/// The pair's journal (the inventory is `dir/inventory.yml`).
fn journal(dir: &std::path::Path, p: &FleetPair) -> serde_json::Value {
    common::journal_in(&dir.join(".bmfleet/inventory/pairs"), &p.name)
}

/// `getconf GNU_LIBC_VERSION` answers another glibc on `host` (a file bind-mounted over
/// /usr/bin/getconf in the host's private mount namespace), until dropped.
struct OtherGlibc<'a> {
    fleet: &'a Fleet,
    host: String,
}

impl<'a> OtherGlibc<'a> {
    fn on(fleet: &'a Fleet, host: &str, version: &str) -> Self {
        fleet.sh(
            host,
            &format!(
                "printf '#!/bin/sh\\necho glibc {version}\\n' >/run/bmfleet-getconf && chmod 755 /run/bmfleet-getconf \
                 && mount --bind /run/bmfleet-getconf /usr/bin/getconf && getconf GNU_LIBC_VERSION"
            ),
        );
        OtherGlibc { fleet, host: host.to_string() }
    }
}

impl Drop for OtherGlibc<'_> {
    fn drop(&mut self) {
        let _ = self.fleet.exec(&self.host, "umount /usr/bin/getconf; rm -f /run/bmfleet-getconf");
    }
}

/// What the physical method may add to an origin, as one text to compare before and after.
fn origin_pg_state(fleet: &Fleet, p: &FleetPair) -> String {
    fleet.sh(
        &p.origin,
        "cd / && runuser -u postgres -- psql -X -At -d postgres -c 'SELECT slot_name FROM pg_replication_slots' \
         -c \"SELECT setting FROM pg_settings WHERE name = 'max_slot_wal_keep_size'\" \
         && cat /var/lib/postgresql/15/main/pg_hba.conf /var/lib/postgresql/15/main/postgresql.auto.conf",
    )
}

#[test]
fn a_physical_pair_migrates_with_rows_written_between_syncs_and_ends_identical() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let origin_before = origin_pg_state(&fleet, p);
    let dir = scratch();
    let inv = inventory(&fleet, &claim, dir.path(), "physical");
    let pre = Bmfleet::new().args(["preflight"]).inventory(&inv).in_dir(dir.path()).run();
    pre.code(0);
    assert!(log_of(&pre, p).contains("physical: same PostgreSQL 15"), "{}", log_of(&pre, p));
    assert_eq!(journal(dir.path(), p)["values"]["db_sync_physical"], 1, "the journal keeps the method");
    let status = Bmfleet::new().args(["status", "--format", "json"]).inventory(&inv).in_dir(dir.path()).run();
    status.code(0);
    let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(status["pairs"][0]["values"]["db_sync_physical"], 1, "status shows it: {status}");
    Bmfleet::new().args(["trust"]).inventory(&inv).in_dir(dir.path()).run().code(0);
    let first = Bmfleet::new().args(["hot-sync"]).inventory(&inv).in_dir(dir.path()).run();
    first.code(0);
    let log = first.pair_log(&p.name);
    assert!(log.contains("copied the origin's cluster"), "{log}");
    assert!(
        log.contains("the target's own cluster is kept whole in /var/lib/postgresql/15/main.bmfleet_before_"),
        "{log}"
    );
    // The target is a standby of its origin, streaming through the pair's slot, admitted by one
    // pg_hba line for its address alone.
    assert_eq!(fleet.sql(&p.target, "postgres", "SELECT pg_is_in_recovery()"), "t");
    let first_rule = fleet
        .sh(&p.origin, "awk '!/^[[:space:]]*(#|$)/ { print; exit }' /var/lib/postgresql/15/main/pg_hba.conf");
    assert_eq!(
        first_rule,
        format!("host replication bj {}/32 md5 # bmfleet:{}", p.target_addr, p.name),
        "pg_hba is first-match: the line comes before every other rule"
    );
    let slot = format!("bmfleet_{}", p.name.to_lowercase());
    assert_eq!(
        fleet.sql(&p.origin, "postgres", "SELECT slot_name || ' ' || active FROM pg_replication_slots"),
        format!("{slot} true")
    );
    assert_eq!(fleet.sql(&p.origin, "postgres", "SHOW max_slot_wal_keep_size"), "8GB");
    let (log, out) = common::resync_and_migrate(&fleet, p, &inv, dir.path());
    assert!(log.contains("the target streams the origin's cluster:"), "{log}");
    assert!(!log.contains("copied the origin's cluster"), "a later hot sync copies nothing again: {log}");
    let log = out.pair_log(&p.name);
    assert!(log.contains("replayed the stopped origin's WAL to"), "{log}");
    assert!(!log.contains("pg_restore"), "no dump nor restore: {log}");
    // The warm pass read the standby's tables while the origin served (the freeze's count then
    // finds their pages known), and the target's count came in its two parts.
    let warm = log.lines().find(|l| l.contains("tables of the target's standby ahead of the freeze's count"));
    let warm = warm.unwrap_or_else(|| panic!("the standby was read ahead: {log}"));
    assert!(!warm.contains("read 0 tables"), "{warm}");
    assert!(!log.contains("could not be read now"), "{log}");
    assert!(log.contains("counts of the stopped target's rows"), "{log}");
    assert!(log.contains("counts of the stopped target's spools"), "{log}");
    let (same, report) = fleet.verify_without_config(&p.origin, &p.target);
    assert!(same, "{report}");
    // The target is a cluster of its own; the origin carries nothing of the method any more.
    assert_eq!(fleet.sql(&p.target, "postgres", "SELECT pg_is_in_recovery()"), "f");
    assert_eq!(
        fleet.sh(
            &p.target,
            "grep -c primary_conninfo /var/lib/postgresql/15/main/postgresql.auto.conf || true"
        ),
        "0"
    );
    assert_eq!(fleet.sh(&p.target, "ls /var/lib/postgresql/15/ | grep -c pgpass || true"), "0");
    assert_eq!(origin_pg_state(&fleet, p), origin_before);
    // The target's own cluster stays whole beside it, for the operator to remove.
    let aside = format!("/var/lib/postgresql/15/main.bmfleet_before_{}", p.name);
    let kept = format!("test -f {aside}/PG_VERSION && test ! -e {aside}/bmfleet_copy_of_origin && echo kept");
    assert_eq!(fleet.sh(&p.target, &kept), "kept");
}

#[test]
fn auto_takes_dump_where_the_target_keeps_a_database_of_its_own_and_physical_otherwise() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let dir = scratch();
    let auto = inventory(&fleet, &claim, dir.path(), "auto");
    let out = Bmfleet::new().args(["preflight"]).inventory(&auto).in_dir(dir.path()).run();
    out.code(0);
    assert!(log_of(&out, p).contains("physical: same PostgreSQL 15"), "{}", log_of(&out, p));
    assert_eq!(journal(dir.path(), p)["values"]["db_sync_physical"], 1);
    // Another glibc on the target (as across Debian 9 -> 10, Ubuntu 18.04 -> 20.04): its text
    // sorts otherwise, so the copy's indexes on text are rebuilt at the freeze; still physical.
    {
        let _glibc = OtherGlibc::on(&fleet, &p.target, "2.27");
        let out = Bmfleet::new().args(["preflight"]).inventory(&auto).in_dir(dir.path()).run();
        out.code(0);
        let log = log_of(&out, p);
        let origin_glibc = fleet.sh(&p.origin, "getconf GNU_LIBC_VERSION | cut -d' ' -f2");
        let arch = fleet.sh(&p.origin, "uname -m");
        let why = format!(
            "physical: same PostgreSQL 15, {arch}, glibc {origin_glibc} on the origin and 2.27 on the target, whose text sorts otherwise: the indexes on text are rebuilt at the freeze"
        );
        assert!(log.contains(&why), "{log}");
        assert_eq!(journal(dir.path(), p)["values"]["db_sync_physical"], 1);
    }
    // The target's own Keycloak database (DOMAIN.md: one per server, 5.x): a copy of the whole
    // cluster would take it out of service.
    fleet.sh(&p.target, "cd / && runuser -u postgres -- createdb keycloak");
    let out = Bmfleet::new().args(["preflight"]).inventory(&auto).in_dir(dir.path()).run();
    out.code(0);
    let log = log_of(&out, p);
    assert!(log.contains("dump: the target's cluster holds other databases (keycloak)"), "{log}");
    assert!(out.summary()["pairs"][0]["warnings"].to_string().contains("database method"), "a warning");
    assert_eq!(journal(dir.path(), p)["values"]["db_sync_physical"], 0);
    assert!(
        fleet.sh(&p.target, &format!("cat /var/lib/bmfleet/state/pair.{}", p.name)).contains("db_sync=dump")
    );
    // Asked for explicitly, physical blocks the pair with what to do.
    let physical = inventory(&fleet, &claim, dir.path(), "physical");
    let out = Bmfleet::new().args(["preflight"]).inventory(&physical).in_dir(dir.path()).run();
    assert_ne!(out.code, 0, "{}", out.all_output());
    assert!(log_of(&out, p).contains("set db_sync: dump (or auto)"), "{}", log_of(&out, p));
}

#[test]
fn rollback_after_a_physical_hot_sync_gives_origin_and_target_back() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let origin_before = origin_pg_state(&fleet, p);
    let target_uuid = fleet.sql(&p.target, "bj", "SELECT uuid FROM t_installation");
    let dir = scratch();
    let inv = inventory(&fleet, &claim, dir.path(), "auto");
    for phase in ["preflight", "trust", "hot-sync"] {
        Bmfleet::new().args([phase]).inventory(&inv).in_dir(dir.path()).run().code(0);
    }
    assert_eq!(fleet.sql(&p.target, "postgres", "SELECT pg_is_in_recovery()"), "t");
    assert_ne!(fleet.sql(&p.target, "bj", "SELECT uuid FROM t_installation"), target_uuid);
    // Preflight again: the target's cluster is the origin's copy, the method stays physical.
    let again = Bmfleet::new().args(["preflight"]).inventory(&inv).in_dir(dir.path()).run();
    again.code(0);
    assert!(log_of(&again, p).contains("physical: the target already streams"), "{}", log_of(&again, p));
    let out = Bmfleet::new().args(["rollback", "--limit", &p.name]).inventory(&inv).in_dir(dir.path()).run();
    out.code(0);
    // The origin serves, with no slot, pg_hba line or setting of the method left.
    assert_eq!(fleet.sh(&p.origin, "cat /etc/bmfleet-sim/bluemind.state"), "running");
    assert_eq!(origin_pg_state(&fleet, p), origin_before);
    // The target's own cluster is back in place, itself again.
    assert_eq!(fleet.sql(&p.target, "postgres", "SELECT pg_is_in_recovery()"), "f");
    assert_eq!(fleet.sql(&p.target, "bj", "SELECT uuid FROM t_installation"), target_uuid);
    assert_eq!(fleet.sh(&p.target, "ls /var/lib/postgresql/15/ | grep -c bmfleet || true"), "0");
    // A later hot sync builds the standby again.
    Bmfleet::new().args(["hot-sync"]).inventory(&inv).in_dir(dir.path()).run().code(0);
    assert_eq!(fleet.sql(&p.target, "postgres", "SELECT pg_is_in_recovery()"), "t");
}

#[test]
fn a_freeze_that_fails_rolls_a_physical_pair_back_with_nothing_left_behind() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let origin_before = origin_pg_state(&fleet, p);
    let target_uuid = fleet.sql(&p.target, "bj", "SELECT uuid FROM t_installation");
    let dir = scratch();
    // A required file the origin lacks: the cold sync's configuration pull fails, beside the
    // promotion (before, during or after it), before the point of no return.
    let vars = "vars: { cutover_mode: none, db_sync: physical, required_config: [/etc/bm/bm.ini, /etc/bm/absent.ini] }";
    let inv = claim.inventory(&fleet, dir.path(), vars, |_| String::new());
    for phase in ["preflight", "trust", "hot-sync"] {
        Bmfleet::new().args([phase]).inventory(&inv).in_dir(dir.path()).run().code(0);
    }
    let out = Bmfleet::new().args(["cold-sync", "--yes"]).inventory(&inv).in_dir(dir.path()).run();
    assert_ne!(out.code, 0, "{}", out.all_output());
    assert_eq!(out.summary()["pairs"][0]["rollback"]["ok"], true, "{}", out.summary());
    assert_eq!(fleet.sh(&p.origin, "cat /etc/bmfleet-sim/bluemind.state"), "running");
    assert_eq!(origin_pg_state(&fleet, p), origin_before);
    assert_eq!(fleet.sql(&p.target, "postgres", "SELECT pg_is_in_recovery()"), "f");
    assert_eq!(fleet.sql(&p.target, "bj", "SELECT uuid FROM t_installation"), target_uuid);
    assert_eq!(fleet.sh(&p.target, "ls /var/lib/postgresql/15/ | grep -c bmfleet || true"), "0");
}

/// The freeze cut short at each stage of the physical chain, one pair per stage in one run: the
/// origin stopped and the standby streaming; the origin's final position taken; the standby
/// promoted, the origin's slot still there; everything done but the verification. Each pair
/// fails there and is rolled back (before the point of no return): its origin serves again with
/// nothing of the method left on it (no slot, no pg_hba line, no setting), and its target has
/// its own cluster back (issue 25: "a freeze interrupted at every step").
#[test]
fn a_freeze_cut_short_at_each_stage_of_the_physical_chain_gives_everything_back() {
    let fleet = Fleet::get();
    let claim = fleet.claim(4);
    let stages = [
        "final WAL position",
        "promote the standby",
        "close the origin's cluster",
        "verify against the origin",
    ];
    let pairs: Vec<&FleetPair> = (0..stages.len()).map(|i| claim.pair(i)).collect();
    let role = scratch();
    let copy =
        Command::new("cp").arg("-a").arg(repo().join("roles/bluemind/.")).arg(role.path()).status().unwrap();
    assert!(copy.success());
    let path = role.path().join("role.yml");
    let mut yml = std::fs::read_to_string(&path).unwrap();
    for (stage, p) in stages.iter().zip(&pairs) {
        // The cold sync's step of that name comes first in role.yml (rollback has one too).
        let marker = format!("      - name: {stage}\n");
        assert!(yml.contains(&marker), "{stage}");
        let fault = format!(
            "      - name: cut short before {stage}\n        on: target\n        when: pair.name == \"{}\"\n        run: exit 1\n",
            p.name
        );
        yml = yml.replacen(&marker, &format!("{fault}{marker}"), 1);
    }
    std::fs::write(&path, yml).unwrap();
    let mut before = Vec::new();
    for p in &pairs {
        fleet.populate(&p.origin);
        before.push((
            origin_pg_state(&fleet, p),
            fleet.sql(&p.target, "bj", "SELECT uuid FROM t_installation"),
        ));
    }
    let dir = scratch();
    let inv = inventory(&fleet, &claim, dir.path(), "physical");
    for phase in ["preflight", "trust", "hot-sync"] {
        Bmfleet::new().args([phase]).role(role.path()).inventory(&inv).in_dir(dir.path()).run().code(0);
    }
    let out = Bmfleet::new()
        .args(["cold-sync", "--yes"])
        .role(role.path())
        .inventory(&inv)
        .in_dir(dir.path())
        .run();
    assert_ne!(out.code, 0, "{}", out.all_output());
    let summary = out.summary();
    for ((stage, p), (origin_before, target_uuid)) in stages.iter().zip(&pairs).zip(&before) {
        let report = summary["pairs"].as_array().unwrap().iter().find(|r| r["pair"] == p.name).unwrap();
        assert_eq!(report["status"], "failed", "{stage}: {report}");
        assert_eq!(report["rollback"]["ok"], true, "{stage}: {report}");
        assert!(log_of(&out, p).contains(&format!("cut short before {stage}")), "{stage}");
        assert_eq!(fleet.sh(&p.origin, "cat /etc/bmfleet-sim/bluemind.state"), "running", "{stage}");
        assert_eq!(
            &origin_pg_state(&fleet, p),
            origin_before,
            "{stage}: the origin keeps nothing of the method"
        );
        assert_eq!(fleet.sql(&p.target, "postgres", "SELECT pg_is_in_recovery()"), "f", "{stage}");
        assert_eq!(&fleet.sql(&p.target, "bj", "SELECT uuid FROM t_installation"), target_uuid, "{stage}");
        assert_eq!(
            fleet.sh(&p.target, "ls /var/lib/postgresql/15/ | grep -c bmfleet || true"),
            "0",
            "{stage}"
        );
    }
}

/// The relfilenode of an index of bj on `host`: a REINDEX gives the index a new one.
fn relfilenode(fleet: &Fleet, host: &str, index: &str) -> String {
    fleet.sql(host, "bj", &format!("SELECT relfilenode FROM pg_class WHERE relname = '{index}'"))
}

/// Across two glibcs (simulated on the target: `getconf` answers 2.27), the physical method still
/// applies, and at the freeze the promoted copy's indexes under a libc collation are rebuilt
/// (t_server's unique index on its text uid), the others kept as copied (its integer primary
/// key); the copy ends identical to its origin.
#[test]
fn across_two_glibcs_the_promoted_copy_rebuilds_its_indexes_on_text_and_ends_identical() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let _glibc = OtherGlibc::on(&fleet, &p.target, "2.27");
    let dir = scratch();
    let inv = inventory(&fleet, &claim, dir.path(), "auto");
    for phase in ["preflight", "trust", "hot-sync"] {
        Bmfleet::new().args([phase]).inventory(&inv).in_dir(dir.path()).run().code(0);
    }
    // A standby's files are the origin's, index by index.
    for index in ["t_server_uid_key", "t_server_pkey"] {
        assert_eq!(relfilenode(&fleet, &p.target, index), relfilenode(&fleet, &p.origin, index), "{index}");
    }
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).in_dir(dir.path()).run();
    out.code(0);
    let log = log_of(&out, p);
    let rebuilt = log.lines().find(|l| l.contains("indexes on text in")).unwrap_or_else(|| panic!("{log}"));
    assert!(
        rebuilt.contains("on the origin, 2.27 here: rebuilt ") && !rebuilt.contains("rebuilt 0 "),
        "{rebuilt}"
    );
    // (verify starts the origin's PostgreSQL again, which the cutover stopped)
    let (same, report) = fleet.verify_without_config(&p.origin, &p.target);
    assert!(same, "{report}");
    assert_ne!(
        relfilenode(&fleet, &p.target, "t_server_uid_key"),
        relfilenode(&fleet, &p.origin, "t_server_uid_key")
    );
    assert_eq!(
        relfilenode(&fleet, &p.target, "t_server_pkey"),
        relfilenode(&fleet, &p.origin, "t_server_pkey")
    );
}

//! The logical method of the databases (role.yml `db_sync: logical`): the target's new copies of
//! bj and bj-data subscribed to the origin's from the hot sync on, swapped in at the freeze; the
//! target's cluster and its other databases its own; the origin's wal_level changed only when
//! asked; everything it adds to the origin undone; a schema that would run its own functions as
//! a superuser of the target refused.

mod common;

use common::{Bmfleet, Claim, Fleet, FleetPair, scratch};

fn inventory(fleet: &Fleet, claim: &Claim, dir: &std::path::Path, vars: &str) -> std::path::PathBuf {
    claim.inventory(fleet, dir, &format!("vars: {{ cutover_mode: none, db_sync: logical{vars} }}"), |_| {
        String::new()
    })
}

/// The pair's journal (the inventory is `dir/inventory.yml`).
fn journal(dir: &std::path::Path, p: &FleetPair) -> serde_json::Value {
    common::journal_in(&dir.join(".bmfleet/inventory/pairs"), &p.name)
}

/// What the logical method may add to an origin, as one text to compare before and after: its
/// slots, max_slot_wal_keep_size, pg_hba, postgresql.auto.conf (wal_level), each database's
/// publications and the replica identity of every table.
fn origin_pg_state(fleet: &Fleet, p: &FleetPair) -> String {
    let mut state = fleet.sh(
        &p.origin,
        "cd / && runuser -u postgres -- psql -X -At -d postgres -c 'SELECT slot_name FROM pg_replication_slots' \
         -c \"SELECT setting FROM pg_settings WHERE name = 'max_slot_wal_keep_size'\" \
         && cat /var/lib/postgresql/15/main/pg_hba.conf /var/lib/postgresql/15/main/postgresql.auto.conf",
    );
    for db in ["bj", "bj-data"] {
        state += &fleet.sql(
            &p.origin,
            db,
            "SELECT pubname FROM pg_publication UNION ALL SELECT relname || ' ' || relreplident::text FROM pg_class \
             WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace ORDER BY 1",
        );
    }
    state
}

/// After a rollback: the origin serves with nothing of the method left on it (`origin_pg_state`
/// as before), the target has neither subscriptions nor copies, its own bj untouched.
fn given_back(fleet: &Fleet, p: &FleetPair, origin_before: &str, target_uuid: &str) {
    assert_eq!(fleet.sh(&p.origin, "cat /etc/bmfleet-sim/bluemind.state"), "running");
    assert_eq!(origin_pg_state(fleet, p), origin_before);
    assert_eq!(fleet.sql(&p.target, "postgres", "SELECT count(*) FROM pg_subscription"), "0");
    assert_eq!(
        fleet.sql(&p.target, "postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE '%bmfleet%'"),
        "0"
    );
    assert_eq!(fleet.sql(&p.target, "bj", "SELECT uuid FROM t_installation"), target_uuid);
}

/// A pair whose origin was populated, then preflighted, trusted and hot-synced with the logical
/// method (`db_sync_logical_restart: true` and `vars`), with what the rollback must give back.
struct Synced {
    dir: tempfile::TempDir,
    inv: std::path::PathBuf,
    origin_before: String,
    target_uuid: String,
}

fn hot_synced(fleet: &Fleet, claim: &Claim, vars: &str) -> Synced {
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let origin_before = origin_pg_state(fleet, p);
    let target_uuid = fleet.sql(&p.target, "bj", "SELECT uuid FROM t_installation");
    let dir = scratch();
    let inv = inventory(fleet, claim, dir.path(), &format!(", db_sync_logical_restart: true{vars}"));
    for phase in ["preflight", "trust", "hot-sync"] {
        Bmfleet::new().args([phase]).inventory(&inv).in_dir(dir.path()).run().code(0);
    }
    Synced { dir, inv, origin_before, target_uuid }
}

#[test]
fn a_logical_pair_migrates_beside_the_targets_own_databases_and_ends_identical() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let origin_before = origin_pg_state(&fleet, p);
    // The target's own Keycloak database (DOMAIN.md: 5.x keeps one in the cluster), which the
    // physical method would take out of service: the logical one leaves it alone.
    fleet.sh(&p.target, "cd / && runuser -u postgres -- createdb keycloak");
    fleet.sql(&p.target, "keycloak", "CREATE TABLE realm (id text); INSERT INTO realm VALUES ('target')");
    let dir = scratch();

    // BlueMind's wal_level is replica: without the operator's yes, preflight says what to do.
    let refused = inventory(&fleet, &claim, dir.path(), "");
    let out = Bmfleet::new().args(["preflight"]).inventory(&refused).in_dir(dir.path()).run();
    assert_ne!(out.code, 0, "{}", out.all_output());
    let log = out.pair_log(&p.name);
    assert!(log.contains("set db_sync_logical_restart: true to let the hot sync do it"), "{log}");

    let inv = inventory(&fleet, &claim, dir.path(), ", db_sync_logical_restart: true");
    let pre = Bmfleet::new().args(["preflight"]).inventory(&inv).in_dir(dir.path()).run();
    pre.code(0);
    let log = pre.pair_log(&p.name);
    assert!(
        log.contains("logical: PostgreSQL 15 to 15, bj, bj-data subscribed beside the target's own; the hot sync sets the origin's wal_level (replica) to logical"),
        "{log}"
    );
    assert_eq!(journal(dir.path(), p)["values"]["db_sync_method"], 2, "the journal keeps the method");
    let status = Bmfleet::new().args(["status", "--format", "json"]).inventory(&inv).in_dir(dir.path()).run();
    status.code(0);
    assert!(status.stdout.contains("\"method\": \"logical\""), "status shows it: {}", status.stdout);
    let status = Bmfleet::new().args(["status"]).inventory(&inv).in_dir(dir.path()).run();
    assert!(status.stdout.contains("DATABASES") && status.stdout.contains("logical"), "{}", status.stdout);
    Bmfleet::new().args(["trust"]).inventory(&inv).in_dir(dir.path()).run().code(0);
    let first = Bmfleet::new().args(["hot-sync"]).inventory(&inv).in_dir(dir.path()).run();
    first.code(0);
    let log = first.pair_log(&p.name);
    assert!(log.contains("restarting the origin's PostgreSQL for wal_level = logical"), "{log}");
    assert!(log.contains("bj: bj__bmfleet_new made from the origin's schema (UTF8, en_US.UTF-8"), "{log}");
    assert!(log.contains("tables copied and streaming"), "{log}");
    assert_eq!(fleet.sql(&p.origin, "postgres", "SHOW wal_level"), "logical");
    // The keyless tables carry a replica identity while they are published (else the serving
    // origin would refuse their UPDATEs), and the target's own bj is untouched so far.
    assert_eq!(
        fleet.sql(&p.origin, "bj", "SELECT relreplident FROM pg_class WHERE relname = 't_container_acl'"),
        "f"
    );
    assert_eq!(fleet.sql(&p.target, "postgres", "SELECT count(*) FROM pg_subscription"), "2");
    let (log, out) = common::resync_and_migrate(&fleet, p, &inv, dir.path());
    assert!(log.contains("bj-data: the subscription"), "{log}");
    assert!(!log.contains("made from the origin's schema"), "a later hot sync makes nothing again: {log}");
    let log = out.pair_log(&p.name);
    assert!(log.contains("bj replicated up to the stopped origin's"), "{log}");
    assert!(
        log.contains("sequences copied); the target's previous bj is kept as bj__bmfleet_before_"),
        "{log}"
    );
    assert!(!log.contains("pg_restore"), "no dump nor restore at the freeze: {log}");
    let (same, report) = fleet.verify_without_config(&p.origin, &p.target);
    assert!(same, "{report}");
    // Nothing of the method is left: no subscription nor password file on the target, the
    // origin's slots, line, settings, publications and replica identities as they were.
    assert_eq!(fleet.sql(&p.target, "postgres", "SELECT count(*) FROM pg_subscription"), "0");
    assert_eq!(fleet.sh(&p.target, "ls /var/lib/postgresql/15/ | grep -c pgpass || true"), "0");
    assert_eq!(origin_pg_state(&fleet, p), origin_before);
    assert_eq!(
        fleet.sql(&p.target, "keycloak", "SELECT id FROM realm"),
        "target",
        "the target's own database"
    );
}

#[test]
fn rollback_after_a_logical_hot_sync_gives_origin_and_target_back() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let Synced { dir, inv, origin_before, target_uuid } = hot_synced(&fleet, &claim, "");
    assert_eq!(fleet.sql(&p.target, "postgres", "SELECT count(*) FROM pg_subscription"), "2");
    let out = Bmfleet::new().args(["rollback", "--limit", &p.name]).inventory(&inv).in_dir(dir.path()).run();
    out.code(0);
    let log = out.pair_log(&p.name);
    assert!(
        log.contains("the target's subscriptions to the origin and the databases they fed are gone"),
        "{log}"
    );
    assert!(log.contains("wal_level reset (from PostgreSQL's next restart)"), "{log}");
    given_back(&fleet, p, &origin_before, &target_uuid);
    // A later hot sync subscribes again.
    Bmfleet::new().args(["hot-sync"]).inventory(&inv).in_dir(dir.path()).run().code(0);
    assert_eq!(fleet.sql(&p.target, "postgres", "SELECT count(*) FROM pg_subscription"), "2");
}

/// PostgreSQL 15 applies replicated rows as a superuser: a CHECK constraint of the origin's schema
/// calling a function of its own (here one that writes a file through COPY TO PROGRAM) would run
/// as the target's superuser. The hot sync refuses such a schema before anything subscribes.
#[test]
fn a_schema_that_would_run_its_own_functions_on_replicated_rows_is_refused() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let canary = "/tmp/bmfleet-logical-canary";
    fleet.sh(&p.target, &format!("rm -f {canary}"));
    fleet.sh(
        &p.origin,
        &format!(
            "cd / && runuser -u postgres -- psql -X -q -d bj -v ON_ERROR_STOP=1 <<'SQL'\n\
             CREATE FUNCTION bmf_check(integer) RETURNS boolean LANGUAGE plpgsql AS $$\n\
             BEGIN COPY (SELECT 1) TO PROGRAM 'cat >/dev/null; touch {canary}'; RETURN true; END $$;\n\
             ALTER TABLE t_container_acl ADD CONSTRAINT bmf_check CHECK (bmf_check(container_id));\n\
             SQL"
        ),
    );
    let dir = scratch();
    let inv = inventory(&fleet, &claim, dir.path(), ", db_sync_logical_restart: true");
    for phase in ["preflight", "trust"] {
        Bmfleet::new().args([phase]).inventory(&inv).in_dir(dir.path()).run().code(0);
    }
    let out = Bmfleet::new().args(["hot-sync"]).inventory(&inv).in_dir(dir.path()).run();
    assert_ne!(out.code, 0, "{}", out.all_output());
    let log = out.pair_log(&p.name);
    assert!(
        log.contains(
            "would make this target's PostgreSQL run its own functions as a superuser on replicated rows"
        ),
        "{log}"
    );
    assert_eq!(fleet.sql(&p.target, "postgres", "SELECT count(*) FROM pg_subscription"), "0");
    assert_eq!(fleet.sh(&p.target, &format!("test -e {canary} && echo ran || echo never")), "never");
    Bmfleet::new().args(["rollback", "--limit", &p.name]).inventory(&inv).in_dir(dir.path()).run().code(0);
}

/// A freeze whose subscriptions do not confirm the stopped origin's last position in time fails
/// before the point of no return: the origin serves again with nothing of the method left on it,
/// the target has neither subscriptions nor copies, its own databases untouched.
#[test]
fn a_freeze_whose_subscriptions_do_not_catch_up_gives_everything_back() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let Synced { dir, inv, origin_before, target_uuid } =
        hot_synced(&fleet, &claim, ", db_sync_catchup_secs: 2");
    // bj's subscription stops applying; the origin writes on.
    let sub = format!("bmfleet_{}_1", p.name.to_lowercase());
    fleet.sql(&p.target, "bj__bmfleet_new", &format!("ALTER SUBSCRIPTION {sub} DISABLE"));
    fleet.mutate_db(&p.origin);
    let out = Bmfleet::new().args(["cold-sync", "--yes"]).inventory(&inv).in_dir(dir.path()).run();
    assert_ne!(out.code, 0, "{}", out.all_output());
    let log = out.pair_log(&p.name);
    assert!(
        log.contains(&format!("the subscription {sub} did not confirm the origin's last position")),
        "{log}"
    );
    assert!(log.contains("phase rollback completed"), "{log}");
    given_back(&fleet, p, &origin_before, &target_uuid);
}

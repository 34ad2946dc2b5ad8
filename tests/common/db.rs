//! The fleet's databases as the tests of the database methods read and change them
//! (fleet_physical.rs, fleet_logical.rs): SQL as postgres on a host, the origin's rows changed
//! between syncs, the copy verified.

use super::{Bmfleet, Fleet, FleetPair, Outcome, repo};
use std::path::Path;
use std::process::Command;

/// The origin writes between syncs: its rows change, a hot sync runs again, they change again,
/// then `migrate --yes`, each succeeding: the second hot sync's log and the migration.
pub fn resync_and_migrate(fleet: &Fleet, p: &FleetPair, inv: &Path, dir: &Path) -> (String, Outcome) {
    // The origin goes on serving and writing: rows in keyless tables, a block of item ids.
    fleet.mutate_db(&p.origin);
    let second = Bmfleet::new().args(["hot-sync"]).inventory(inv).in_dir(dir).run();
    second.code(0);
    let second_log = second.pair_log(&p.name);
    fleet.mutate_db(&p.origin);
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(inv).in_dir(dir).run();
    out.code(0);
    assert_eq!(out.pair_status(&p.name), "ok");
    (second_log, out)
}

impl Fleet {
    /// SQL as postgres on a host's socket, unaligned; must succeed.
    pub fn sql(&self, host: &str, db: &str, query: &str) -> String {
        self.sh(host, &format!("cd / && runuser -u postgres -- psql -X -At -d {db} -c \"{query}\""))
    }

    /// `tests/fleet/mutate HOST --db`: spools and rows (keyless tables, a block of item ids).
    pub fn mutate_db(&self, host: &str) {
        let out = Command::new(repo().join("tests/fleet/mutate"))
            .env("BMFLEET_FLEET_DIR", &self.dir)
            .args([host, "--db"])
            .output()
            .expect("mutate");
        assert!(out.status.success(), "mutate {host}: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// `tests/fleet/verify --no-config`: spools, databases (schema, rows, sequences, settings) and
    /// bm.ini's login. The configuration files travel as with the dump method (not the subject of
    /// the database methods' tests); on a machine where several fleets share /var/lib, a host's
    /// overlay may list no bind-mounted /var/lib/bm-ca and the origin's CA never reaches the
    /// target (every method).
    pub fn verify_without_config(&self, origin: &str, target: &str) -> (bool, String) {
        // Cutover stops the origin's PostgreSQL for good; verify reads it.
        self.sh(origin, "systemctl is-active postgresql >/dev/null || systemctl start postgresql");
        let out = Command::new(repo().join("tests/fleet/verify"))
            .env("BMFLEET_FLEET_DIR", &self.dir)
            .args(["--no-config", origin, target])
            .output()
            .expect("verify");
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    }
}

//! The cold sync's restore on a real PostgreSQL: it keeps the database settings BlueMind's
//! installer gives (UTF-8, TIMEZONE 'GMT') and the dumped database's locale, never drops the target's databases, refuses a dump
//! that is not, file for file, the origin's (a data file truncated or changed, one added: the
//! manifest of sha256s), and leaves the target's database untouched when pg_restore fails part-way
//! (pg_restore -j runs in no single transaction: the rename is the only step that touches it).

mod common;

use common::{Bmfleet, Fleet, scratch};

/// A role holding only the bluemind role's restore step, to run it on a dump staged by the test.
fn restore_role(dir: &std::path::Path) -> std::path::PathBuf {
    let role = dir.join("restore-role");
    std::fs::create_dir_all(&role).unwrap();
    std::os::unix::fs::symlink(common::repo().join("roles/bluemind/templates"), role.join("templates"))
        .unwrap();
    std::fs::write(
        role.join("role.yml"),
        "name: restore-only\ndefaults:\n  databases: [bj]\n  pg_jobs: 2\n  work_dir: /var/tmp/bmfleet-restore-test\n  bm_ini: /etc/bm/bm.ini\n  host_state_override: false\n\
         vars:\n  databases: { each: line, description: d }\n  pg_jobs: { type: integer, description: d }\n  work_dir: { type: path, description: d }\n  bm_ini: { type: path, description: d }\n  host_state_override: { type: boolean, description: d }\n\
         phases:\n  - name: restore\n    steps:\n      - name: restore\n        on: target\n        loop: databases\n        template: templates/cold-sync/restore.sh\n",
    )
    .unwrap();
    role
}

/// The target's bj dumped as the origin's dump step does (pg_dump -Fd -Z0 -j), staged as root's.
const STAGE: &str = "d=/var/tmp/bmfleet-restore-test/stage/dump; rm -rf $d /tmp/bj.dir; mkdir -p $d; cd /; runuser -u postgres -- pg_dump -Fd -Z0 -j 2 -d bj -f /tmp/bj.dir && mv /tmp/bj.dir $d/bj.dir && chown -R root: $d/bj.dir";
/// The origin's manifest of the dump's files (dump.sh).
const SUM: &str = "cd /var/tmp/bmfleet-restore-test/stage/dump/bj.dir && find . -type f -printf '%P\\0' | sort -z | xargs -0 sha256sum -- >../bj.sha256";
/// The largest table data file of the staged dump (numbered: not toc.dat, which on a fresh
/// target's bj is the largest .dat).
const BIGGEST: &str = "$(ls -S /var/tmp/bmfleet-restore-test/stage/dump/bj.dir/[0-9]*.dat | head -n 1)";
const DATABASES: &str = "cd /; runuser -u postgres -- psql -X -At -d postgres -c \"SELECT datname FROM pg_database WHERE datname LIKE 'bj%' ORDER BY 1\"";

#[test]
fn restore_keeps_settings_and_the_old_database_and_refuses_foreign_dumps() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let dir = scratch();
    let role = restore_role(dir.path());
    let inv = claim.inventory(&fleet, dir.path(), "", |_| String::new());
    // The restore checks the target's host record first: preflight writes it.
    Bmfleet::new().arg("preflight").inventory(&inv).run().code(0);
    let run = || Bmfleet::new().arg("run").arg(&role).arg("restore").inventory(&inv).run();
    let uuid = "cd /; runuser -u postgres -- psql -X -At -d bj -c 'SELECT uuid FROM t_installation'";
    let target_uuid = fleet.sh(&p.target, uuid);
    let before = fleet.sh(&p.target, DATABASES);
    // The restore of what STAGE_CMD staged fails, its log saying `why`.
    let refused = |stage_cmd: &str, why: &str| {
        fleet.sh(&p.target, stage_cmd);
        let out = run();
        out.code(3);
        let log = std::fs::read_to_string(out.run_dir().join(format!("{}.log", p.name))).unwrap();
        assert!(log.contains(why), "{log}\n{}", out.all_output());
    };

    // A data file truncated after the origin summed it (a transfer cut short): refused.
    refused(&format!("{STAGE} && {SUM} && truncate -s -100 {BIGGEST}"), "is not the origin's");
    assert_eq!(fleet.sh(&p.target, DATABASES), before, "nothing changed");

    // A file the origin's manifest does not name: refused.
    refused(
        &format!("{STAGE} && {SUM} && echo 'DROP DATABASE bj;' >$d/bj.dir/9999.dat"),
        "the origin's manifest",
    );
    assert_eq!(fleet.sh(&p.target, DATABASES), before, "nothing changed");

    // A dump that matches its manifest but that pg_restore cannot load (a row of a table's data
    // with a column too many, then summed): pg_restore stops; the target's bj is untouched.
    refused(
        &format!("{STAGE} && sed -i '1s/$/\\textra/' {BIGGEST} && {SUM}"),
        "the target's bj is untouched",
    );
    assert_eq!(fleet.sh(&p.target, uuid), target_uuid, "the target's bj is its own");
    let left: Vec<String> = fleet
        .sh(&p.target, DATABASES)
        .lines()
        .filter(|d| *d != "bj__bmfleet_new")
        .map(String::from)
        .collect();
    assert_eq!(left.join("\n"), before, "nothing but bmfleet's own new database changed");

    // A dump that is not the one the origin summed: refused.
    fleet.sh(&p.target, &format!("{STAGE} && {SUM} && echo 'x' >>{BIGGEST}"));
    run().code(3);

    // A sound dump (with backslashes in strings and COPY data, as real ones have): restored into
    // a UTF-8 database with TIMEZONE GMT; the displaced database is kept under another name.
    fleet.sh(&p.target, "cd /; runuser -u postgres -- psql -X -q -d bj -c \"INSERT INTO t_systemconf VALUES ('regex', E'^\\\\\\\\d+\\\\\\\\.x\\$')\"");
    fleet.sh(&p.target, &format!("{STAGE} && {SUM}"));
    run().code(0);
    let after = fleet.sh(&p.target, DATABASES);
    let kept: Vec<&str> = after.lines().filter(|d| d.starts_with("bj__bmfleet_before_")).collect();
    assert_eq!(kept.len(), 1, "{after}");
    let old_uuid = fleet.sh(
        &p.target,
        &format!(
            "cd /; runuser -u postgres -- psql -X -At -d {} -c 'SELECT uuid FROM t_installation'",
            kept[0]
        ),
    );
    assert_eq!(old_uuid, target_uuid, "the kept database is the target's previous one");
    let settings = fleet.sh(
        &p.target,
        "cd /; runuser -u postgres -- psql -X -At -d postgres -c \"SELECT pg_encoding_to_char(encoding), datcollate, datctype, array_to_string(setconfig, ',') FROM pg_database d JOIN pg_db_role_setting s ON s.setdatabase = d.oid AND s.setrole = 0 WHERE datname = 'bj'\"",
    );
    // in the dumped database's locale (BlueMind's en_US.UTF-8), not in the cluster's template0's
    // (the fleet's is C.UTF-8, as a cluster made in another locale keeps: tests/fleet/lib/caches.sh)
    assert_eq!(settings, "UTF8|en_US.UTF-8|en_US.UTF-8|TimeZone=GMT");
    assert_eq!(fleet.sh(&p.target, "cd /; runuser -u postgres -- psql -X -At -d bj -c \"SELECT value FROM t_systemconf WHERE key = 'regex'\""), "^\\d+\\.x$");
}

/// A role holding only the cold sync's database-password step.
fn password_role(dir: &std::path::Path) -> std::path::PathBuf {
    let role = dir.join("password-role");
    std::fs::create_dir_all(&role).unwrap();
    std::os::unix::fs::symlink(common::repo().join("roles/bluemind/templates"), role.join("templates"))
        .unwrap();
    std::fs::write(
        role.join("role.yml"),
        "name: password-only\ndefaults:\n  databases: [bj]\n  bm_ini: /etc/bm/bm.ini\n  host_state_override: false\n\
         vars:\n  databases: { each: line, description: d }\n  bm_ini: { type: path, description: d }\n  host_state_override: { type: boolean, description: d }\n\
         phases:\n  - name: password\n    steps:\n      - name: database password\n        on: target\n        template: templates/cold-sync/db-password.sh\n",
    )
    .unwrap();
    role
}

/// The database password set at cold sync never lands in PostgreSQL's log, even on a server
/// that logs every statement (log_statement = all): its session turns statement logging off.
#[test]
fn the_database_password_never_lands_in_the_postgresql_log() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let dir = scratch();
    let role = password_role(dir.path());
    let inv = claim.inventory(&fleet, dir.path(), "", |_| String::new());
    Bmfleet::new().arg("preflight").inventory(&inv).run().code(0);
    let log = "/var/log/postgresql/postgresql-15-main.log";
    fleet.sh(
        &p.target,
        "cd /; runuser -u postgres -- psql -X -q -d postgres -c \"ALTER SYSTEM SET log_statement = 'all'\" -c 'SELECT pg_reload_conf()' >/dev/null",
    );
    // A password of its own, that nothing else prints.
    let password = format!("Never-Logged-{}", std::process::id());
    fleet.sh(&p.target, &format!("sed -i 's/^password *=.*/password={password}/' /etc/bm/bm.ini"));
    let out = Bmfleet::new().arg("run").arg(&role).arg("password").inventory(&inv).run();
    let logged = fleet.sh(&p.target, &format!("grep -c -- {password} {log} || true"));
    fleet.sh(
        &p.target,
        "cd /; runuser -u postgres -- psql -X -q -d postgres -c 'ALTER SYSTEM RESET log_statement' -c 'SELECT pg_reload_conf()' >/dev/null",
    );
    out.code(0);
    assert!(
        fleet.sh(&p.target, &format!("grep -c 'statement: SELECT pg_reload_conf' {log} || true")) != "0",
        "the server did log statements"
    );
    assert_eq!(logged, "0", "the password is in PostgreSQL's log");
}

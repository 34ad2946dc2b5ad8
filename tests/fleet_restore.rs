//! The cold sync's restore on a real PostgreSQL: it keeps the database settings BlueMind's
//! installer gives (UTF-8, TIMEZONE 'GMT'), never drops the target's databases, and refuses a
//! dump that is not the origin's (sha256) or that holds psql meta-commands.

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
        "name: restore-only\ndefaults:\n  databases: [bj]\n  work_dir: /var/tmp/bmfleet-restore-test\n  bm_ini: /etc/bm/bm.ini\n  host_state_override: false\n\
         phases:\n  - name: restore\n    steps:\n      - name: restore\n        on: target\n        loop: databases\n        template: templates/cold-sync/restore.sh\n",
    )
    .unwrap();
    role
}

const STAGE: &str = "d=/var/tmp/bmfleet-restore-test/stage/dump; mkdir -p $d; cd /; runuser -u postgres -- pg_dump -d bj >$d/bj.sql";
const SUM: &str = "cd /var/tmp/bmfleet-restore-test/stage/dump && sha256sum bj.sql >bj.sql.sha256";
const DATABASES: &str = "cd /; runuser -u postgres -- psql -X -At -d postgres -c \"SELECT datname FROM pg_database WHERE datname LIKE 'bj%' ORDER BY 1\"";

#[test]
fn restore_keeps_settings_and_the_old_database_and_refuses_foreign_dumps() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let dir = scratch();
    let role = restore_role(dir.path());
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
    // The restore checks the target's host record first: preflight writes it.
    Bmfleet::new().arg("preflight").inventory(&inv).run().code(0);
    let run = || Bmfleet::new().arg("run").arg(&role).arg("restore").inventory(&inv).run();
    let uuid = "cd /; runuser -u postgres -- psql -X -At -d bj -c 'SELECT uuid FROM t_installation'";
    let target_uuid = fleet.sh(&p.target, uuid);
    let before = fleet.sh(&p.target, DATABASES);

    // A psql meta-command slipped into the dump (with a matching checksum): refused, not run.
    fleet.sh(
        &p.target,
        &format!("{STAGE}; sed -i '0,/^SET /s//\\\\! touch \\/tmp\\/pwned\\nSET /' $d/bj.sql; {SUM}"),
    );
    assert!(
        fleet.sh(&p.target, "grep -c '^\\\\! touch' /var/tmp/bmfleet-restore-test/stage/dump/bj.sql") == "1"
    );
    let out = run();
    out.code(3);
    let log = std::fs::read_to_string(out.run_dir().join(format!("{}.log", p.name))).unwrap();
    assert!(log.contains("a psql meta-command"), "{log}\n{}", out.all_output());
    assert_eq!(fleet.sh(&p.target, "ls /tmp/pwned 2>/dev/null | wc -l"), "0", "the meta-command never ran");
    assert_eq!(fleet.sh(&p.target, DATABASES), before, "nothing changed");

    // A dump that is not the one the origin summed: refused.
    fleet.sh(&p.target, &format!("{STAGE}; {SUM}; echo '-- PostgreSQL database dump complete' >>$d/bj.sql"));
    run().code(3);
    assert_eq!(fleet.sh(&p.target, DATABASES), before, "nothing changed");

    // A sound dump (with backslashes in strings and COPY data, as real ones have): restored into
    // a UTF-8 database with TIMEZONE GMT; the displaced database is kept under another name.
    fleet.sh(&p.target, "cd /; runuser -u postgres -- psql -X -q -d bj -c \"INSERT INTO t_systemconf VALUES ('regex', E'^\\\\\\\\d+\\\\\\\\.x\\$')\"");
    fleet.sh(&p.target, &format!("{STAGE}; {SUM}"));
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
        "cd /; runuser -u postgres -- psql -X -At -d postgres -c \"SELECT pg_encoding_to_char(encoding), array_to_string(setconfig, ',') FROM pg_database d JOIN pg_db_role_setting s ON s.setdatabase = d.oid AND s.setrole = 0 WHERE datname = 'bj'\"",
    );
    assert_eq!(settings, "UTF8|TimeZone=GMT");
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
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
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

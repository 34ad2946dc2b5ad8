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
        let log = out.pair_log(&p.name);
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

/// SQL run as postgres in the target's bj.
fn psql_bj(sql: &str) -> String {
    format!("cd /; runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -d bj <<'SQL'\n{sql}\nSQL")
}

/// The dump is the origin's data, and the origin may be compromised: its functions never run as
/// a superuser of the target during the restore (issue 27 item 3). A CHECK constraint whose
/// function runs a program (COPY ... TO PROGRAM, a superuser's right) makes the restore fail
/// loudly without the program having run; an extension BlueMind's schema does not create is
/// refused; a sound dump (with BlueMind's hstore in pg_catalog) is restored identical, every
/// object owned by bm.ini's user as BlueMind expects, and the restore's own role is gone.
#[test]
fn the_restore_runs_no_function_of_the_dump_as_a_superuser() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let dir = scratch();
    let role = restore_role(dir.path());
    let inv = claim.inventory(&fleet, dir.path(), "", |_| String::new());
    Bmfleet::new().arg("preflight").inventory(&inv).run().code(0);
    let run = || Bmfleet::new().arg("run").arg(&role).arg("restore").inventory(&inv).run();
    let log_of = |out: &common::Outcome| out.pair_log(&p.name);
    let canary = "/var/lib/postgresql/bmfleet-canary";
    let uuid = "cd /; runuser -u postgres -- psql -X -At -d bj -c 'SELECT uuid FROM t_installation'";
    let target_uuid = fleet.sh(&p.target, uuid);

    // The trap: a row whose CHECK runs a program. As a superuser (here, postgres) it runs.
    fleet.sh(
        &p.target,
        &psql_bj(&format!(
            "DROP TABLE IF EXISTS bmf_trap; DROP FUNCTION IF EXISTS bmf_canary(int);\n\
             CREATE FUNCTION bmf_canary(i int) RETURNS boolean LANGUAGE plpgsql AS $f$ BEGIN COPY (SELECT 1) TO PROGRAM 'cat >/dev/null; touch {canary}'; RETURN i IS NOT NULL; END $f$;\n\
             CREATE TABLE bmf_trap (i int CHECK (bmf_canary(i)));\nINSERT INTO bmf_trap VALUES (1);"
        )),
    );
    fleet.sh(&p.target, &format!("test -e {canary} && rm -f {canary}"));
    fleet.sh(&p.target, &format!("{STAGE} && {SUM}"));
    let out = run();
    let log = log_of(&out);
    let ran = fleet.sh(&p.target, &format!("if test -e {canary}; then echo ran; rm -f {canary}; fi"));
    assert_eq!(ran, "", "the dump's function ran as a superuser of the target\n{log}");
    out.code(3);
    assert!(log.contains("the target's bj is untouched"), "{log}");
    assert_eq!(fleet.sh(&p.target, uuid), target_uuid, "the target's bj is its own");
    fleet.sh(&p.target, &psql_bj("DROP TABLE bmf_trap; DROP FUNCTION bmf_canary(int);"));

    // An extension BlueMind's schema does not create (dblink opens connections): refused before
    // anything changes.
    fleet.sh(&p.target, &psql_bj("CREATE EXTENSION dblink;"));
    fleet.sh(&p.target, &format!("{STAGE} && {SUM}"));
    let before = fleet.sh(&p.target, DATABASES);
    let out = run();
    out.code(3);
    let log = log_of(&out);
    assert!(log.contains("dblink"), "{log}");
    assert_eq!(fleet.sh(&p.target, DATABASES), before, "nothing changed");
    fleet.sh(&p.target, &psql_bj("DROP EXTENSION dblink;"));

    // A sound dump using BlueMind's hstore (created in pg_catalog by its schema, which the fleet's
    // bj already has for t_domain.properties): identical.
    fleet.sh(
        &p.target,
        &psql_bj(
            "CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA pg_catalog;\n\
             CREATE TABLE bmf_h (k text PRIMARY KEY, h hstore);\nINSERT INTO bmf_h VALUES ('a', 'x=>1, y=>\"two words\"');",
        ),
    );
    let rows = psql_bj("SELECT k || ' ' || h::text FROM bmf_h; SELECT count(*) FROM t_systemconf;");
    let expected = fleet.sh(&p.target, &rows);
    fleet.sh(&p.target, &format!("{STAGE} && {SUM}"));
    let out = run();
    assert_eq!(out.code, 0, "{}", log_of(&out));
    assert_eq!(fleet.sh(&p.target, &rows), expected);
    let owners = psql_bj(
        "SELECT datdba::regrole FROM pg_database WHERE datname = 'bj';\n\
         SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relowner::regrole::text <> 'bj';\n\
         SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public' AND p.proowner::regrole::text <> 'bj';\n\
         SELECT count(*) FROM pg_roles WHERE rolname LIKE '%bmfleet%';\n\
         SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'hstore';",
    );
    assert_eq!(fleet.sh(&p.target, &owners), "bj\n0\n0\n0\npg_catalog");
    // hstore stays: bj's own t_domain.properties is one (domain-schema.1.0.0.sql), as the fleet has it.
    fleet.sh(&p.target, &psql_bj("DROP TABLE bmf_h;"));
}

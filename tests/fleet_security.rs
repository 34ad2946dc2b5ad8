//! Hostile input and secrets, on the test fleet: nothing escapes its quoting, no secret is
//! printed, keys are refused with a message that says what to do.

mod common;

use std::path::Path;

use common::{Bmfleet, Fleet, all_text, pair_inventory, repo, scratch};

/// Values an attacker (or a careless copy-paste) could put in an inventory. Each would create
/// the canary file if it ever reached a shell unquoted.
fn hostile(canary: &str) -> Vec<String> {
    vec![
        format!("'; touch {canary} #"),
        format!("$(touch {canary})"),
        format!("`touch {canary}`"),
        format!("\"; touch {canary}; \""),
        format!("x\ntouch {canary}"),
        format!("a;touch {canary}"),
        format!("--rsync-path=touch {canary}"),
        format!("-oProxyCommand=touch {canary}"),
        format!("x[$(touch {canary})]"),
        "--".into(),
    ]
}

fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap() // JSON strings are YAML double-quoted strings
}

#[test]
fn hostile_values_stay_inert_everywhere() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let canary = format!("/tmp/bmfleet-canary-{}", std::process::id());
    let values = hostile(&canary);
    let dir = scratch();
    let bm_dir = scratch();
    // The engine role with hostile loop items, registers and conditions, on both pairs.
    let list = values.iter().map(|v| yaml_str(v)).collect::<Vec<_>>().join(", ");
    let inv = claim.inventory(&fleet, dir.path(), "", |i| match i {
        0 => format!("vars: {{ fail_pair: {} }}", yaml_str(&values[2])),
        _ => format!("vars: {{ steps: [{list}], fail_pair: {} }}", yaml_str(&values[3])),
    });
    // The BlueMind migration with hostile values in variables the role declares: each is refused
    // at plan time, at its line, before any host is touched (fleet_injection.rs for the others).
    let bm_inv = claim.inventory(
        &fleet,
        bm_dir.path(),
        "vars: { cutover_mode: ip, cutover_prefix: 16 }",
        |i| match i {
            0 => format!(
                "vars: {{ mynetworks: {}, trust_comment: {}, rsync_bwlimit_kbps: {} }}",
                yaml_str(&values[0]),
                yaml_str(&values[1]),
                yaml_str(&values[5]),
            ),
            _ => String::new(),
        },
    );
    fleet.populate(&claim.pair(0).origin);
    let migrate =
        Bmfleet::new().args(["migrate", "--yes"]).inventory(&bm_inv).limit(&claim.pair(0).name).run();
    let engine =
        Bmfleet::new().arg("run").arg(repo().join("tests/roles/engine")).arg("walk").inventory(&inv).run();
    engine.code(0);
    let plan =
        Bmfleet::new().args(["plan", "--role"]).arg(repo().join("tests/roles/engine")).inventory(&inv).run();
    plan.code(0);
    for host in claim.pairs.iter().flat_map(|p| [&p.origin, &p.target]) {
        let found = fleet.exec(host, &format!("test -e {canary}"));
        assert!(!found.status.success(), "injection reached {host}");
    }
    assert!(!Path::new(&canary).exists(), "injection reached the controller");
    // The hostile items went through as plain data.
    let log = engine.pair_log(&claim.pair(1).name);
    assert!(log.contains(&format!("step $(touch {canary}) on")), "{log}");
    assert!(log.contains(&format!("step `touch {canary}` on")), "{log}");
    // The migration refused every hostile value at plan time, each by name, and ran nothing.
    migrate.code(2);
    for name in ["`mynetworks`", "`trust_comment`", "`rsync_bwlimit_kbps`"] {
        assert!(migrate.stderr.contains(name), "{name}: {}", migrate.stderr);
    }
    assert!(!migrate.runs.exists(), "the migration ran nothing");
}

#[test]
fn hostile_names_and_broken_files_are_bad_input() {
    let dir = scratch();
    let canary = format!("/tmp/bmfleet-canary-names-{}", std::process::id());
    for (what, text) in [
        (
            "pair name",
            format!(
                "pairs:\n  - {{ name: {}, origin: {{ host: o }}, target: {{ host: t }} }}\n",
                yaml_str(&format!("a;touch {canary}"))
            ),
        ),
        (
            "group name",
            format!(
                "groups:\n  {}: {{}}\npairs:\n  - {{ name: a, origin: {{ host: o }}, target: {{ host: t }} }}\n",
                yaml_str(&format!("$(touch {canary})"))
            ),
        ),
        (
            "host",
            format!(
                "pairs:\n  - {{ name: a, origin: {{ host: {} }}, target: {{ host: t }} }}\n",
                yaml_str(&format!("-oProxyCommand=touch {canary}"))
            ),
        ),
        (
            "user",
            format!(
                "pairs:\n  - {{ name: a, origin: {{ host: o, user: {} }}, target: {{ host: t }} }}\n",
                yaml_str("-lroot")
            ),
        ),
        (
            "variable name",
            "vars: { \"a b\": 1 }\npairs:\n  - { name: a, origin: { host: o }, target: { host: t } }\n"
                .to_string(),
        ),
    ] {
        let inv = dir.path().join("inv.yml");
        std::fs::write(&inv, text).unwrap();
        let out = Bmfleet::new().args(["exec", "true"]).inventory(&inv).run();
        out.code(2);
        assert!(out.stderr.contains("inv.yml:"), "{what}: file:line:col expected: {}", out.stderr);
        assert!(!out.runs.exists(), "{what}: nothing ran");
    }
    // Bytes that are not UTF-8.
    let inv = dir.path().join("bytes.yml");
    std::fs::write(&inv, b"pairs:\n  - { name: a\xff\xfe, origin: { host: o }, target: { host: t } }\n")
        .unwrap();
    let out = Bmfleet::new().args(["exec", "true"]).inventory(&inv).run();
    out.code(2);
    assert!(out.stderr.contains("bytes.yml"), "{}", out.stderr);
    assert!(!Path::new(&canary).exists());
}

#[test]
fn secrets_never_appear_in_any_output() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    let dir = scratch();
    // An encrypted copy of the controller key: its passphrase is a secret too.
    let key = dir.path().join("key");
    std::fs::copy(fleet.key(), &key).unwrap();
    let passphrase = "Pa55-phrase-never-printed";
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-p", "-P", "", "-N", passphrase, "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(status.success());
    let token = "TOKEN-9f8e7d6c5b4a-never-printed";
    let inv = pair_inventory(
        &dir.path().join("inv.yml"),
        (&key, &fleet.known_hosts()),
        "",
        &format!(
            "vars: {{ cutover_mode: ip, cutover_prefix: 16, api_token: {token}, db_password: \"hunter2-never-printed\" }}\n"
        ),
        p,
        "",
    );
    // The migration's own inventory: the BlueMind role declares neither `api_token` nor
    // `db_password`, and refuses an inventory that sets a variable it does not declare.
    let migration_inv = pair_inventory(
        &dir.path().join("migration.yml"),
        (&key, &fleet.known_hosts()),
        "",
        "vars: { cutover_mode: ip, cutover_prefix: 16 }\n",
        p,
        "",
    );
    // A wrong passphrase: refused before any connection, with what to do.
    let wrong =
        Bmfleet::new().args(["exec", "true"]).inventory(&inv).env("BMFLEET_KEY_PASSPHRASE", "wrong").run();
    wrong.code(2);
    assert!(
        wrong.stderr.contains("wrong passphrase") && wrong.stderr.contains("BMFLEET_KEY_PASSPHRASE"),
        "{}",
        wrong.stderr
    );

    // A role that prints the secrets every way it can.
    let role = dir.path().join("leaky");
    std::fs::create_dir_all(&role).unwrap();
    std::fs::write(
        role.join("role.yml"),
        "defaults: { api_token: \"\", db_password: \"\" }\nvars:\n  api_token: { type: line, empty: true, description: a token }\n  db_password: { type: line, empty: true, description: a password }\nphases:\n  - name: leak\n    steps:\n      - name: print\n        on: target\n        register: copy_token\n        run: |\n          echo {{ api_token }}\n          echo {{ db_password }} >&2\n          sed -n 's/^password=//p' /etc/bm/bm.ini\n          cat /etc/bm/bm-core.tok\n      - name: assert\n        assert:\n          that: copy_token == \"\"\n          message: \"got {{ copy_token }}\"\n",
    )
    .unwrap();
    let secrets = [
        token.to_string(),
        "hunter2-never-printed".to_string(),
        passphrase.to_string(),
        fleet.sh(&p.origin, "sed -n 's/^password=//p' /etc/bm/bm.ini"),
        fleet.sh(&p.target, "sed -n 's/^password=//p' /etc/bm/bm.ini"),
        fleet.sh(&p.origin, "cat /etc/bm/bm-core.tok"),
        fleet.sh(&p.target, "cat /etc/bm/bm-core.tok"),
    ];
    let env = [("BMFLEET_KEY_PASSPHRASE", passphrase)];
    let mut outputs = Vec::new();
    for (args, format) in [
        (vec!["run".to_string(), role.display().to_string(), "leak".into()], "text"),
        (vec!["run".to_string(), role.display().to_string(), "leak".into()], "json"),
        (vec!["migrate".into(), "--yes".into()], "text"),
        (vec!["plan".into(), "--role".into(), role.display().to_string()], "json"),
    ] {
        let inv = if args[0] == "migrate" { &migration_inv } else { &inv };
        let mut b = Bmfleet::new().args(args).inventory(inv).in_dir(dir.path());
        if format == "json" {
            b = b.args(["--format", "json"]);
        }
        for (k, v) in env {
            b = b.env(k, v);
        }
        outputs.push(b.run().all_output());
    }
    // The bm.ini passwords and tokens are read on the hosts: the leaky role prints them, and
    // they are masked only when declared; the migration itself never prints them.
    // Everything bmfleet wrote: run records and journal (the inventory itself holds secrets).
    let everything = format!(
        "{}{}{}",
        outputs.join("\n"),
        all_text(&dir.path().join("runs")),
        all_text(&dir.path().join(".bmfleet"))
    );
    for secret in &secrets[..3] {
        assert!(!everything.contains(secret.as_str()), "the secret {secret:?} was printed");
    }
    assert!(everything.contains("********"), "masked values are shown as ********");
    let migration = format!("{}{}", outputs[2], all_text(&dir.path().join("runs")));
    let migration_only: String =
        migration.lines().filter(|l| !l.contains("[print]")).collect::<Vec<_>>().join("\n");
    for secret in &secrets[3..] {
        assert!(!migration_only.contains(secret.as_str()), "the migration printed a host secret {secret:?}");
    }
}

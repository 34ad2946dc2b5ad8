//! The command line end to end, without hosts: plans, bad input and exit codes, inventory views,
//! schedules and status. (Tests against real hosts are the `fleet_*` files.)

mod common;

use common::{Bmfleet, repo, scratch};

fn example() -> std::path::PathBuf {
    repo().join("inventories/example.yml")
}

#[test]
fn plan_prints_the_selected_pairs_and_their_rendered_steps() {
    // One line per step by default: the six example pairs' full shell runs to thousands of lines (their
    // steps, eleven spools looped twice, are some 720 lines).
    let lines = Bmfleet::new().arg("plan").inventory(&example()).run();
    lines.code(0);
    assert!(lines.stdout.contains("   hot-sync/rsync [/var/spool/cyrus/] (on target "), "{}", lines.stdout);
    assert!(!lines.stdout.contains("rsync -aH"), "no script without --script");
    assert!(lines.stdout.lines().count() < 1000, "{} lines", lines.stdout.lines().count());
    let one = Bmfleet::new().arg("plan").inventory(&example()).limit("acme").run();
    assert!(
        one.stdout.contains("rsync -aH --no-devices --no-specials --chmod=Fug-s --whole-file"),
        "a single pair shows its scripts"
    );
    let out = Bmfleet::new().args(["plan", "--script"]).inventory(&example()).limit("wave1:!acme").run();
    out.code(0);
    assert!(
        out.stdout.contains("-- pair globex: origin root@mail.globex.example, target root@192.0.2.21:2222")
    );
    assert!(!out.stdout.contains("pair acme"), "acme is excluded");
    assert!(
        out.stdout.contains("rsync -aH --no-devices --no-specials --chmod=Fug-s --whole-file"),
        "steps are rendered"
    );
    assert!(out.stdout.contains("--bwlimit=50000"), "group vars apply");
    let json = Bmfleet::new()
        .args(["plan", "hot-sync", "--format", "json"])
        .inventory(&example())
        .limit("wave2")
        .run();
    json.code(0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).expect("plan JSON");
    let pairs: Vec<&str> =
        v["waves"][0]["pairs"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(pairs, ["initech", "umbrella"]);
}

/// The README's set-up is exactly two commands, and both hold on a fresh machine: the main job,
/// a plan of the example inventory, run here as `cargo run` runs it (from the repository, with
/// no ssh config of the user's); and the tests through .ci/run, which installs PostgreSQL 15
/// when it is missing (as everything else the fleet needs) and stops plainly if it is still
/// missing. The Rust the README asks for is Cargo.toml's `rust-version`.
#[test]
fn the_readme_sets_up_with_two_commands_that_hold() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let commands: Vec<&str> = readme
        .lines()
        .skip_while(|l| *l != "## Set-up")
        .skip_while(|l| !l.starts_with("```"))
        .skip(1)
        .take_while(|l| !l.starts_with("```"))
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split(" #").next().unwrap().trim())
        .collect();
    assert_eq!(
        commands,
        ["cargo run --release -- plan -i inventories/example.yml", "sudo bash .ci/run"],
        "the README's set-up block"
    );
    let args: Vec<&str> = commands[0].split_once(" -- ").unwrap().1.split_whitespace().collect();
    let home = scratch();
    let plan =
        Bmfleet::new().args(args).in_dir(&repo()).env("HOME", &home.path().display().to_string()).run();
    plan.code(0);
    assert!(plan.stdout.contains("6 pairs in 3 waves (inventories/example.yml)"), "{}", plan.stdout);
    assert!(plan.stdout.contains("   post/"), "every phase is planned");

    let ci = std::fs::read_to_string(repo().join(".ci/run")).unwrap();
    let installs = ci.lines().any(|l| l.starts_with("for pkg in ") && l.contains(" postgresql-15"));
    assert!(installs, ".ci/run no longer installs postgresql-15 when missing");
    assert!(
        ci.contains("[[ -x /usr/lib/postgresql/15/bin/postgres ]] ||"),
        ".ci/run no longer checks PostgreSQL 15"
    );

    let cargo = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    let rust = cargo.lines().find_map(|l| l.strip_prefix("rust-version = ")).unwrap().trim_matches('"');
    assert!(
        readme.contains(&format!("With Rust {rust} or later")),
        "the README's install asks for another Rust than {rust}"
    );
    assert!(readme.contains("cargo install --locked --path ."), "the README's install");
}

#[test]
fn bad_input_exits_2_with_file_line_and_column_and_connects_nowhere() {
    let dir = scratch();
    let inv = dir.path().join("bad.yml");
    std::fs::write(&inv, "pairs:\n  - name: a\n    origin: { host: o }\n    target: { host: o }\n").unwrap();
    let out = Bmfleet::new().arg("plan").inventory(&inv).run();
    out.code(2);
    assert!(out.stderr.contains("bad.yml:4:13: pair `a` has the same origin and target"), "{}", out.stderr);
    assert!(out.stdout.is_empty());

    // A phase command on the repository's inventory: its runs would go into the repository.
    let runs = dir.path().join("runs");
    let out =
        Bmfleet::new().arg("hot-sync").inventory(&example()).limit("acm").arg("--runs-dir").arg(&runs).run();
    out.code(2);
    assert!(out.stderr.contains("did you mean `acme`?"), "{}", out.stderr);
    assert!(!out.runs.exists(), "nothing ran");

    let out = Bmfleet::new().arg("plan").arg("hot-snyc").inventory(&example()).run();
    out.code(2);
    assert!(out.stderr.contains("did you mean `hot-sync`?"), "{}", out.stderr);
}

#[test]
fn a_template_error_stops_everything_before_any_connection() {
    let dir = scratch();
    std::fs::create_dir_all(dir.path().join("role/templates")).unwrap();
    std::fs::write(
        dir.path().join("role/role.yml"),
        "defaults: { tenant_name: \"\" }\nvars: { tenant_name: { type: line, empty: true, description: the tenant } }\nphases:\n  - name: go\n    steps:\n      - { name: s, on: origin, template: templates/s.sh }\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("role/templates/s.sh"), "echo ok\necho {{ tenant_nmae }}\n").unwrap();
    std::fs::write(
        dir.path().join("inv.yml"),
        "vars: { tenant_name: x }\npairs:\n  - { name: a, origin: { host: 192.0.2.1 }, target: { host: 192.0.2.2 } }\n",
    )
    .unwrap();
    let out = Bmfleet::new()
        .arg("run")
        .arg(dir.path().join("role"))
        .arg("go")
        .inventory(&dir.path().join("inv.yml"))
        .run();
    out.code(2);
    assert!(out.stderr.contains("templates/s.sh:2:9: undefined variable `tenant_nmae`"), "{}", out.stderr);
    assert!(out.stderr.contains("did you mean `tenant_name`?"), "{}", out.stderr);
    assert!(!out.runs.exists(), "nothing ran");
}

#[test]
fn a_key_file_readable_by_others_is_refused_before_connecting() {
    let dir = scratch();
    let key = dir.path().join("id");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status();
    assert!(status.expect("ssh-keygen").success());
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(
        dir.path().join("inv.yml"),
        format!("defaults: {{ identity_file: {} }}\npairs:\n  - {{ name: a, origin: {{ host: 192.0.2.1 }}, target: {{ host: 192.0.2.2 }} }}\n", key.display()),
    )
    .unwrap();
    let out = Bmfleet::new().args(["exec", "true"]).inventory(&dir.path().join("inv.yml")).run();
    out.code(2);
    assert!(out.stderr.contains("readable by other users"), "{}", out.stderr);
    assert!(out.stderr.contains(&format!("chmod 600 {}", key.display())), "{}", out.stderr);
}

#[test]
fn an_unreachable_host_is_reported_apart_from_failures() {
    let dir = scratch();
    std::fs::write(
        dir.path().join("inv.yml"),
        // TEST-NET-1: nothing answers there.
        "defaults: { connect_timeout: 1, known_hosts: kh }\npairs:\n  - { name: lost, origin: { host: 192.0.2.1 }, target: { host: 192.0.2.2 } }\n",
    )
    .unwrap();
    let out =
        Bmfleet::new().args(["exec", "--on", "origin", "true"]).inventory(&dir.path().join("inv.yml")).run();
    out.code(4);
    out.pair_is("lost", "unreachable");
    assert_eq!(std::fs::read_to_string(out.run_dir().join("failed.txt")).unwrap(), "lost\n");
}

#[test]
fn inventory_views() {
    let graph = Bmfleet::new().args(["inventory", "graph"]).inventory(&example()).run();
    graph.code(0);
    insta::assert_snapshot!("inventory_graph", graph.stdout);
    let list = Bmfleet::new().args(["inventory", "list"]).inventory(&example()).run();
    list.code(0);
    insta::assert_snapshot!("inventory_list", list.stdout);
    let pair = Bmfleet::new().args(["inventory", "list", "--pair", "hooli"]).inventory(&example()).run();
    pair.code(0);
    assert!(pair.stdout.contains("rsync_parallel"), "{}", pair.stdout);
    let line = pair.stdout.lines().find(|l| l.starts_with("rsync_parallel")).unwrap();
    assert!(line.contains("4") && line.contains("group big-mailboxes"), "first listed group wins: {line}");
    let line = pair.stdout.lines().find(|l| l.starts_with("spools")).unwrap();
    assert!(line.contains("role default"), "{line}");
    // Each variable's declared type beside its value; one the role does not declare is said so.
    let line = pair.stdout.lines().find(|l| l.starts_with("rsync_parallel")).unwrap();
    assert!(line.contains("integer 1..64"), "{line}");
    let line = pair.stdout.lines().find(|l| l.starts_with("cutover_mode")).unwrap();
    assert!(line.contains("one of none|ip|netplan|ifupdown"), "{line}");
    let dir = scratch();
    let inv = dir.path().join("inv.yml");
    std::fs::write(&inv, "pairs:\n  - { name: a, origin: { host: o }, target: { host: t }, vars: { rsync_bwlimit_kpbs: 5 } }\n").unwrap();
    let typo = Bmfleet::new().args(["inventory", "list", "--pair", "a"]).inventory(&inv).run();
    let line = typo.stdout.lines().find(|l| l.starts_with("rsync_bwlimit_kpbs")).unwrap();
    assert!(line.contains("NOT DECLARED by the role"), "{line}");
}

/// `roles show` reads the declarations from role.yml: every variable an inventory may set, its
/// type, default and description (docs/roles.md's table is its `--markdown` output).
#[test]
fn roles_show_lists_the_declared_variables() {
    let out = Bmfleet::new().args(["roles", "show"]).run();
    out.code(0);
    let line = out.stdout.lines().find(|l| l.starts_with("cutover_mode ")).unwrap();
    assert!(line.contains("one of none|ip|netplan|ifupdown") && line.contains("none"), "{line}");
    assert!(out.stdout.contains("phases: preflight, trust, hot-sync, cold-sync"), "{}", out.stdout);
    let json = Bmfleet::new().args(["roles", "show", "--format", "json"]).run();
    json.code(0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let vars = v["variables"].as_array().unwrap();
    let slack = vars.iter().find(|x| x["name"] == "final_rsync_slack").unwrap();
    assert_eq!(slack["type"], "duration 0..86400");
    assert_eq!(slack["default"], 5);
    let missing = Bmfleet::new().args(["roles", "show", "--role", "/nonexistent/role"]).run();
    missing.code(2);
}

/// The default ssh config (`~/.ssh/config`) with an `Include`: the pair's address comes from the
/// included file, and `inventory list --pair` names that file and its line, not the main file.
#[test]
fn an_included_ssh_config_file_is_named_where_a_setting_came_from() {
    let home = scratch();
    let ssh = home.path().join(".ssh");
    std::fs::create_dir_all(ssh.join("cfg.d")).unwrap();
    std::fs::write(ssh.join("config"), "Include cfg.d/*.conf\n").unwrap();
    std::fs::write(ssh.join("cfg.d/t1.conf"), "Host tenant1-origin\n  HostName 10.9.9.9\n").unwrap();
    let inv = home.path().join("fleet.yml");
    std::fs::write(
        &inv,
        "pairs:\n  - { name: tenant1, origin: { host: tenant1-origin }, target: { host: 192.0.2.2 } }\n",
    )
    .unwrap();
    let out = Bmfleet::new()
        .args(["inventory", "list", "--pair", "tenant1"])
        .inventory(&inv)
        .env("HOME", &home.path().display().to_string())
        .run();
    out.code(0);
    let line = out.stdout.lines().find(|l| l.contains("origin.address")).unwrap_or_default();
    assert!(line.contains("10.9.9.9"), "{}", out.stdout);
    let from = format!("ssh config {}:2", ssh.join("cfg.d/t1.conf").display());
    assert!(line.contains(&from), "expected `{from}`: {}", out.stdout);
}

/// A `Match exec` block for another host never fails a command and never runs its command;
/// one for a pair's host runs, as ssh would, and `plan` shows what it resolved (its reason to run
/// it: the scripts hold the address). A `Match` line bmfleet cannot evaluate fails only the
/// commands whose hosts it concerns, naming the file and line.
#[test]
fn match_exec_is_evaluated_for_the_pairs_hosts_only() {
    let home = scratch();
    let ssh = home.path().join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    let marker = home.path().join("ran");
    std::fs::write(
        ssh.join("config"),
        format!(
            "Match host bastion.other exec \"touch '{}'\"\n  User agent\n\
             Match originalhost bm-old.acme.example exec \"test %n = bm-old.acme.example\"\n  HostName 10.1.2.3\n",
            marker.display()
        ),
    )
    .unwrap();
    let home_env = home.path().display().to_string();
    let out = Bmfleet::new()
        .args(["plan", "--script"])
        .inventory(&example())
        .limit("acme")
        .env("HOME", &home_env)
        .run();
    out.code(0);
    assert!(!marker.exists(), "the command of a block for another host ran");
    assert!(
        out.stdout.contains("10.1.2.3"),
        "the origin's address from the Match exec block: {}",
        out.stdout
    );
    let mut config = std::fs::read_to_string(ssh.join("config")).unwrap();
    config.push_str("Match originalhost bm.initech.example final\n  User z\n");
    std::fs::write(ssh.join("config"), config).unwrap();
    let out = Bmfleet::new().arg("plan").inventory(&example()).env("HOME", &home_env).run();
    out.code(2);
    let at = format!("ssh config {}:5: `Match final` is not supported", ssh.join("config").display());
    assert!(out.stderr.contains(&at) && out.stderr.contains("bm.initech.example"), "{}", out.stderr);
}

#[test]
fn schedules_write_units_systemd_accepts_and_an_equivalent_cron_line() {
    let dir = scratch();
    let units = dir.path().join("units");
    let out = Bmfleet::new()
        .args([
            "schedule",
            "install",
            "nightly",
            "hot-sync",
            "--at",
            "01:30",
            "--until",
            "06:00",
            "--no-enable",
            "--unit-dir",
        ])
        .arg(&units)
        .inventory(&example())
        .limit("wave1")
        .run();
    out.code(0);
    let service = std::fs::read_to_string(units.join("bmfleet-nightly.service")).unwrap();
    let timer = std::fs::read_to_string(units.join("bmfleet-nightly.timer")).unwrap();
    assert!(timer.contains("OnCalendar=*-*-* 01:30:00"), "{timer}");
    let exec = service.lines().find_map(|l| l.strip_prefix("ExecStart=")).unwrap();
    assert!(exec.contains(" hot-sync -i ") && exec.contains("--limit wave1 --until 06:00"), "{exec}");
    // The nightly runs are recorded where the runs by hand are: runs/ beside the inventory.
    let beside = std::fs::canonicalize(example()).unwrap().parent().unwrap().join("runs");
    assert!(exec.ends_with(&format!(" --runs-dir {}", beside.display())), "{exec}");
    if std::path::Path::new("/usr/bin/systemd-analyze").exists() {
        let verify = std::process::Command::new("systemd-analyze")
            .arg("verify")
            .arg(units.join("bmfleet-nightly.service"))
            .arg(units.join("bmfleet-nightly.timer"))
            .output()
            .unwrap();
        let errors = String::from_utf8_lossy(&verify.stderr);
        assert!(verify.status.success(), "systemd-analyze verify: {errors}");
    }
    let cron = Bmfleet::new()
        .args(["schedule", "install", "nightly", "hot-sync", "--at", "01:30", "--until", "06:00", "--cron"])
        .inventory(&example())
        .limit("wave1")
        .run();
    cron.code(0);
    assert!(cron.stdout.starts_with("30 1 * * * cd "), "{}", cron.stdout);
    assert!(cron.stdout.contains(exec), "the cron line runs the same command:\n{}\n{exec}", cron.stdout);

    let list = Bmfleet::new().args(["schedule", "list", "--unit-dir"]).arg(&units).run();
    list.code(0);
    assert!(list.stdout.contains("nightly") && list.stdout.contains("01:30"), "{}", list.stdout);
    Bmfleet::new().args(["schedule", "remove", "nightly", "--unit-dir"]).arg(&units).run().code(0);
    assert!(!units.join("bmfleet-nightly.timer").exists());
    let bad = Bmfleet::new()
        .args(["schedule", "install", "x", "--at", "25:00", "--cron"])
        .inventory(&example())
        .run();
    bad.code(2);
}

#[test]
fn status_shows_what_the_journal_says() {
    let dir = scratch();
    std::fs::copy(example(), dir.path().join("fleet.yml")).unwrap();
    let pairs = dir.path().join(".bmfleet/fleet/pairs");
    std::fs::create_dir_all(&pairs).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    std::fs::write(
        pairs.join("acme.json"),
        serde_json::json!({
            "pair": "acme",
            "phases": {"preflight": {"completed_at": now - 7200.0, "run_id": "r1"}, "trust": {"completed_at": now - 7100.0, "run_id": "r1"}, "hot-sync": {"completed_at": now - 3600.0, "run_id": "r2"}},
            "last_hot_sync": {"at": now - 3600.0, "run_id": "r2", "files": 10, "files_transferred": 3, "bytes_total": 100, "bytes_transferred": 42, "secs": 12.5, "warnings": 0}
        })
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        pairs.join("globex.json"),
        serde_json::json!({
            "pair": "globex",
            "phases": {"hot-sync": {"completed_at": now - 200_000.0, "run_id": "r0"}},
            "last_hot_sync": {"at": now - 200_000.0, "run_id": "r0", "files": 1, "files_transferred": 1, "bytes_total": 1, "bytes_transferred": 1, "secs": 1.0, "warnings": 0}
        })
        .to_string(),
    )
    .unwrap();
    let out = Bmfleet::new().arg("status").inventory(&dir.path().join("fleet.yml")).run();
    out.code(0);
    let acme = out.stdout.lines().find(|l| l.starts_with("acme")).unwrap();
    assert!(acme.contains("hot-sync") && acme.contains("1h00m ago") && !acme.contains("STALE"), "{acme}");
    let globex = out.stdout.lines().find(|l| l.starts_with("globex")).unwrap();
    assert!(globex.contains("STALE"), "{globex}");
    let json =
        Bmfleet::new().args(["status", "--format", "json"]).inventory(&dir.path().join("fleet.yml")).run();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["format"], 1, "the envelope every JSON document shares (docs/json.md)");
    let v = &v["pairs"];
    assert_eq!(v[0]["pair"], "acme");
    assert_eq!(v[0]["reached"], "hot-sync");
    assert_eq!(v[0]["last_hot_sync_bytes"], 42);
    assert_eq!(v[2]["reached"], serde_json::Value::Null);
}

#[test]
fn status_follows_the_roles_journal_declaration_not_the_bluemind_phase_names() {
    // tests/roles/renamed calls its repeatable sync `warm-sync` and its final one `final-copy`.
    let dir = scratch();
    std::fs::copy(example(), dir.path().join("fleet.yml")).unwrap();
    let pairs = dir.path().join(".bmfleet/fleet/pairs");
    std::fs::create_dir_all(&pairs).unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64();
    let sync = |at: f64| serde_json::json!({"at": at, "run_id": "r", "files": 1, "files_transferred": 1, "bytes_total": 1, "bytes_transferred": 7, "secs": 1.0, "warnings": 0});
    let done = |at: f64| serde_json::json!({"completed_at": at, "run_id": "r"});
    // acme: warm-synced an hour ago; globex: long ago but its final copy is done (nothing is
    // stale any more, and its downtime was measured between the role's own records).
    std::fs::write(
        pairs.join("acme.json"),
        serde_json::json!({"pair": "acme", "phases": {"warm-sync": done(now - 3600.0)}, "last_hot_sync": sync(now - 3600.0)}).to_string(),
    )
    .unwrap();
    std::fs::write(
        pairs.join("globex.json"),
        serde_json::json!({
            "pair": "globex",
            "phases": {"warm-sync": done(now - 200_000.0), "final-copy": done(now - 100.0)},
            "last_hot_sync": sync(now - 200_000.0),
            "records": {"stopped_at": now - 110.0, "started_at": now - 100.0}
        })
        .to_string(),
    )
    .unwrap();
    let role = repo().join("tests/roles/renamed");
    let out = Bmfleet::new().arg("status").role(&role).inventory(&dir.path().join("fleet.yml")).run();
    out.code(0);
    assert!(out.stdout.contains("LAST WARM SYNC"), "{}", out.stdout);
    let acme = out.stdout.lines().find(|l| l.starts_with("acme")).unwrap();
    assert!(acme.contains("warm-sync") && acme.contains("1h00m ago") && !acme.contains("STALE"), "{acme}");
    let globex = out.stdout.lines().find(|l| l.starts_with("globex")).unwrap();
    assert!(globex.contains("final-copy") && !globex.contains("STALE"), "{globex}");
    assert!(globex.contains("10.0s (measured)"), "{globex}");
    // A pair that never warm-synced, in a campaign under way, is stale.
    let initech = out.stdout.lines().find(|l| l.starts_with("initech")).unwrap();
    assert!(initech.contains("never synced, STALE"), "{initech}");
}

/// `bmfleet status` with a role made of this role.yml alone: it must be refused at load (exit 2);
/// its stderr.
fn status_refuses_role(role_yml: &str) -> String {
    let dir = scratch();
    std::fs::create_dir_all(dir.path().join("role")).unwrap();
    std::fs::write(dir.path().join("role/role.yml"), role_yml).unwrap();
    let out = Bmfleet::new().arg("status").role(&dir.path().join("role")).inventory(&example()).run();
    out.code(2);
    out.stderr
}

#[test]
fn a_journal_declaration_naming_no_phase_is_refused_at_load() {
    // Renaming `hot-sync` in role.yml without its `journal:` line is refused, located.
    let stderr = status_refuses_role(
        "journal:\n  repeatable_sync: hot-sync\n  downtime: { start: a, end: b }\n  final_sync_lists: { var: lists, equals: yes }\nphases:\n  - name: warm-sync\n    steps:\n      - { name: s, on: controller, record: a, run: echo }\n",
    );
    for expected in [
        "role.yml:2:20: journal: repeatable_sync `hot-sync` is not a phase of this role",
        "the role's phases: warm-sync",
        "role.yml:3:30: journal: downtime `b` is recorded by no step",
        "role.yml:4:28: journal: final_sync_lists names `lists`, which is no variable of this role",
    ] {
        assert!(stderr.contains(expected), "{expected}\n{stderr}");
    }
}

#[test]
fn a_final_sync_lists_value_its_variable_never_holds_is_refused_at_load() {
    // A typo there would make `status` predict a walk for every pair, silently.
    let stderr = status_refuses_role(
        "journal:\n  final_sync_lists: { var: mode, equals: chnages }\ndefaults:\n  mode: full\nvars:\n  mode: { type: enum, values: [changes, full], description: \"how the final sync is sent\" }\nphases:\n  - name: warm-sync\n    steps:\n      - { name: s, on: controller, run: echo }\n",
    );
    for expected in [
        "role.yml:2:42: journal: final_sync_lists equals a value the variable never holds: `mode`: `chnages` is not one of changes, full (did you mean `changes`?)",
        "expected one of: changes, full",
    ] {
        assert!(stderr.contains(expected), "{expected}\n{stderr}");
    }
}

#[test]
fn a_warm_pass_value_a_boolean_never_holds_is_refused_at_load_and_true_is_taken() {
    // `status` predicts the freeze after a warm pass from it: `yes` would silently mean never.
    let role = |equals: &str| {
        format!(
            "journal:\n  warm_pass: {{ var: warm, equals: {equals} }}\ndefaults:\n  warm: true\nvars:\n  warm: {{ type: boolean, description: \"a warm pass\" }}\nphases:\n  - name: warm-sync\n    steps:\n      - {{ name: s, on: controller, run: echo }}\n"
        )
    };
    let stderr = status_refuses_role(&role("\"yes\""));
    assert!(
        stderr.contains("role.yml:2:35: journal: warm_pass equals a value the variable never holds: `warm`"),
        "{stderr}"
    );
    let dir = scratch();
    std::fs::write(dir.path().join("role.yml"), role("\"true\"")).unwrap();
    std::fs::copy(example(), dir.path().join("inv.yml")).unwrap();
    let ok =
        Bmfleet::new().args(["status", "-i", "inv.yml", "--role"]).arg(dir.path()).in_dir(dir.path()).run();
    ok.code(0);
}

#[test]
fn bad_values_are_refused_by_the_command_line_saying_what_to_write() {
    // Parsed once, by the command line's value parsers: exit 2 before any file is read.
    let cases: &[&[&str]] = &[
        &["hot-sync", "--until", "25:00"],
        &["hot-sync", "--until", "+soon"],
        &["plan", "--serial", "1,0"],
        &["migrate", "--serial", "101%"],
        &["status", "--stale-after", "tomorrow"],
        &["schedule", "install", "x", "--at", "1:30", "--cron"],
        &["schedule", "install", "x", "--at", "01:30", "--until", "6h", "--cron"],
    ];
    let mut all = String::new();
    for args in cases {
        let out = Bmfleet::new().args(*args).inventory(std::path::Path::new("no-such-inventory.yml")).run();
        out.code(2);
        all.push_str(&format!("$ bmfleet {}\n{}\n", args.join(" "), out.stderr.trim_end()));
    }
    insta::assert_snapshot!("bad_values", all);
}

/// Peak resident memory (VmHWM, kB) of a running process, polled until it ends.
fn peak_rss_kb(child: &mut std::process::Child) -> u64 {
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
            && let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:"))
        {
            peak = peak.max(line.split_whitespace().nth(1).and_then(|n| n.parse().ok()).unwrap_or(0));
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    peak
}

/// A step that prints 200 MB without a newline: the controller keeps a bounded part of it
/// (its RSS stays small), the run completes, and the log and summary say what was dropped.
#[test]
fn output_without_newlines_keeps_the_controller_small() {
    let dir = scratch();
    let role = dir.path().join("role");
    std::fs::create_dir_all(&role).unwrap();
    std::fs::write(
        role.join("role.yml"),
        "name: flood\nphases:\n  - name: flood\n    steps:\n      - name: no newline\n        on: controller\n        register: flood\n        run: head -c 200000000 /dev/zero | tr '\\0' x\n      - name: after\n        on: controller\n        run: echo kept {{ flood | length }}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("inv.yml"),
        "defaults: { connect_timeout: 1, known_hosts: kh }\npairs:\n  - { name: p, origin: { host: 192.0.2.1 }, target: { host: 192.0.2.2 } }\n",
    )
    .unwrap();
    let (mut child, runs) = Bmfleet::new()
        .arg("run")
        .arg(&role)
        .arg("flood")
        .args(["--yes"])
        .inventory(&dir.path().join("inv.yml"))
        .spawn();
    let peak = peak_rss_kb(&mut child);
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(peak < 60_000, "the controller peaked at {peak} kB for 200 MB of output");
    let log = std::fs::read_to_string(common::run_dirs(&runs).pop().unwrap().join("p.log")).unwrap();
    assert!(log.contains("bytes dropped by bmfleet"), "the log says what was dropped");
    assert!(log.len() < 1 << 20, "the log holds the bounded line: {} bytes", log.len());
    eprintln!("peak RSS {peak} kB");
}

/// Run directories are 0700, logs and summaries 0600, and a controller step never sees the
/// key passphrase.
#[test]
fn run_files_are_private_and_controller_steps_get_no_passphrase() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch();
    let role = dir.path().join("role");
    std::fs::create_dir_all(&role).unwrap();
    std::fs::write(
        role.join("role.yml"),
        "name: env\nphases:\n  - name: env\n    steps:\n      - name: env\n        on: controller\n        run: echo \"passphrase=${BMFLEET_KEY_PASSPHRASE:-unset}\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("inv.yml"),
        "defaults: { connect_timeout: 1, known_hosts: kh }\npairs:\n  - { name: p, origin: { host: 192.0.2.1 }, target: { host: 192.0.2.2 } }\n",
    )
    .unwrap();
    let out = Bmfleet::new()
        .arg("run")
        .arg(&role)
        .arg("env")
        .env("BMFLEET_KEY_PASSPHRASE", "pp-never-shown")
        .inventory(&dir.path().join("inv.yml"))
        .run();
    out.code(0);
    let run = out.run_dir();
    assert_eq!(std::fs::metadata(&run).unwrap().permissions().mode() & 0o777, 0o700);
    for f in std::fs::read_dir(&run).unwrap().flatten() {
        let mode = f.metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.path().display());
    }
    let log = std::fs::read_to_string(run.join("p.log")).unwrap();
    assert!(log.contains("passphrase=unset"), "{log}");
}

/// A `./roles/bluemind` in the working directory wins over the built-in role: `plan` and the
/// run summary say which role was loaded, and from where.
#[test]
fn plan_and_summary_say_which_role_was_loaded() {
    let dir = scratch();
    let inv = dir.path().join("inv.yml");
    std::fs::write(
        &inv,
        "defaults: { connect_timeout: 1, known_hosts: kh }\npairs:\n  - { name: p, origin: { host: 192.0.2.1 }, target: { host: 192.0.2.2 } }\n",
    )
    .unwrap();
    let builtin = Bmfleet::new().args(["plan", "preflight"]).inventory(&inv).in_dir(dir.path()).run();
    builtin.code(0);
    assert!(builtin.stdout.starts_with("-- role bluemind (built into bmfleet)"), "{}", builtin.stdout);
    let local = dir.path().join("roles/bluemind");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(
        local.join("role.yml"),
        "name: bluemind\nphases:\n  - name: preflight\n    steps:\n      - name: here\n        on: controller\n        run: echo local role\n",
    )
    .unwrap();
    let shadowed = Bmfleet::new().args(["plan", "preflight"]).inventory(&inv).in_dir(dir.path()).run();
    shadowed.code(0);
    let first = shadowed.stdout.lines().next().unwrap_or_default().to_string();
    assert!(first.starts_with("-- role bluemind (from ") && first.contains("roles/bluemind"), "{first}");
    let json = Bmfleet::new()
        .args(["plan", "preflight", "--format", "json"])
        .inventory(&inv)
        .in_dir(dir.path())
        .run();
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(v["role_loaded_from"].as_str().unwrap().contains("roles/bluemind"), "{v}");
    let run = Bmfleet::new().args(["run", "bluemind", "preflight"]).inventory(&inv).in_dir(dir.path()).run();
    run.code(0);
    assert!(run.stdout.contains("Role bluemind (from "), "{}", run.stdout);
    let summary = run.summary();
    assert_eq!(summary["format"], 1, "{summary}");
    assert_eq!(summary["role"], "bluemind", "{summary}");
    assert!(summary["role_dir"].as_str().unwrap().contains("roles/bluemind"), "{summary}");
    assert_eq!(summary["pairs"][0]["wave"], 1, "{summary}");
}

/// `bmfleet plan | head`: a closed stdout ends the program quietly, without a panic.
#[test]
fn a_closed_stdout_ends_quietly() {
    use std::io::{BufRead, BufReader};
    for args in [&["plan"][..], &["inventory", "list"][..], &["plan", "--format", "json"][..]] {
        let (mut child, _) = Bmfleet::new().args(args.iter().copied()).inventory(&example()).spawn();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
        // The reader is gone (as `head` after its lines).
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert!(matches!(output.status.code(), Some(0) | Some(141)), "{args:?}: {:?}", output.status);
    }
}

/// `schedule install` takes only phases that can run unattended, and forwards --ssh-config,
/// --role, --state-dir and --runs-dir to the scheduled command.
#[test]
fn schedules_refuse_attended_phases_and_keep_the_options() {
    let dir = scratch();
    let refused = Bmfleet::new()
        .args(["schedule", "install", "x", "revoke-trust", "--at", "01:30", "--cron"])
        .inventory(&example())
        .run();
    refused.code(2);
    assert!(
        refused.stderr.contains("`revoke-trust` cannot be scheduled")
            && refused.stderr.contains("hot-sync ("),
        "{}",
        refused.stderr
    );
    let cfg = dir.path().join("ssh_config");
    std::fs::write(&cfg, "Host *\n  User root\n").unwrap();
    let state = dir.path().join("state");
    std::fs::create_dir_all(&state).unwrap();
    let line = Bmfleet::new()
        .args(["schedule", "install", "x", "hot-sync", "--at", "01:30", "--cron", "--ssh-config"])
        .arg(&cfg)
        .arg("--role")
        .arg(repo().join("roles/bluemind"))
        .arg("--state-dir")
        .arg(&state)
        .inventory(&example())
        .run();
    line.code(0);
    for flag in ["--ssh-config", "--role", "--state-dir"] {
        assert!(line.stdout.contains(flag), "{flag}: {}", line.stdout);
    }
    // An explicit --runs-dir, relative to where schedule install ran, is passed on absolute.
    assert!(line.stdout.contains(&std::fs::canonicalize(&cfg).unwrap().display().to_string()));
    // An explicit --runs-dir, relative to where schedule install ran, is passed on absolute.
    let elsewhere = Bmfleet::new()
        .args(["schedule", "install", "x", "--at", "01:30", "--cron", "--runs-dir", "records"])
        .inventory(&example())
        .in_dir(dir.path())
        .run();
    elsewhere.code(0);
    let records = format!(" --runs-dir {} >>", dir.path().join("records").display());
    assert!(elsewhere.stdout.contains(&records), "{}", elsewhere.stdout);
}

/// The role says what its variables may hold (`vars:` in role.yml): a spool that is not a plain
/// absolute directory, or a cut-over value with a newline (an `up <command>` in an ifupdown
/// stanza), is refused at plan time, at the inventory's line and column, before any connection.
#[test]
fn values_the_role_refuses_stop_the_run_at_their_line_and_column() {
    let dir = scratch();
    let inv = dir.path().join("inv.yml");
    std::fs::write(
        &inv,
        "pairs:\n  - name: a\n    origin: { host: 192.0.2.1 }\n    target: { host: 192.0.2.2 }\n    vars:\n      spools:\n        - /var/spool/cyrus/\n        - \"/var/spool/x y/\"\n        - /var/../etc/\n      cutover_interface: \"eth0\\nup touch /tmp/canary\"\n      cutover_prefix: 129\n",
    )
    .unwrap();
    let out = Bmfleet::new().arg("hot-sync").inventory(&inv).run();
    out.code(2);
    for expected in [
        "inv.yml:8:11: `spools` item 2: `/var/spool/x y/` holds whitespace",
        "inv.yml:9:11: `spools` item 3: `/var/../etc/` holds an empty or `..` segment",
        "inv.yml:10:26: `cutover_interface`: `eth0\\nup touch /tmp/canary` holds a control character",
        "inv.yml:11:23: `cutover_prefix`: 129 is out of range (0..128)",
    ] {
        assert!(out.stderr.contains(expected), "{expected}\n{}", out.stderr);
    }
    assert!(!out.runs.exists(), "nothing ran");
    let out = Bmfleet::new().arg("plan").inventory(&inv).run();
    out.code(2);
}

/// An operator's typo never gets past `plan` (issue 24): `cutover_mode: netplann` used to pass,
/// and at cutover the origin powered off while no step took its address; a misspelled variable
/// name passed silently (`rsync_bwlimit_kpbs`: no bandwidth limit over the customer's link).
#[test]
fn typos_in_variables_stop_plan_and_every_phase_at_their_line() {
    let dir = scratch();
    let inv = dir.path().join("inv.yml");
    std::fs::write(
        &inv,
        "vars:\n  rsync_bwlimit_kpbs: 5000\ngroups:\n  slow: { vars: { rsync_bwlimit_kbps: fast } }\npairs:\n  - name: a\n    groups: [slow]\n    origin: { host: 192.0.2.1 }\n    target: { host: 192.0.2.2 }\n    vars:\n      cutover_mode: netplann\n      free_space_margin_pct: \"ten\"\n      trust_read_only: \"false\"\n  - { name: b, wave: 2, origin: { host: 192.0.2.3 }, target: { host: 192.0.2.4 }, vars: { cutover_mode: IP, final_rsync_slack: 5 minutes } }\n",
    )
    .unwrap();
    let expected = [
        "inv.yml:2:3: `rsync_bwlimit_kpbs` (inventory vars) is no variable of role `bluemind`",
        "did you mean `rsync_bwlimit_kbps`?",
        "inv.yml:4:39: `rsync_bwlimit_kbps`: `fast` is not a whole number (group slow)",
        "inv.yml:11:21: `cutover_mode`: `netplann` is not one of none, ip, netplan, ifupdown, keep-address (did you mean `netplan`?) (vars of pair a)",
        "inv.yml:12:30: `free_space_margin_pct`: `ten` is not a whole number (vars of pair a)",
        "inv.yml:13:24: `trust_read_only`: expected true or false, found the string `false`",
        "`cutover_mode`: `IP` is not one of none, ip, netplan, ifupdown, keep-address (did you mean `ip`?) (vars of pair b)",
        "`final_rsync_slack`: `5 minutes` is not a duration (90, 30s, 5m, 1h30m) (vars of pair b)",
    ];
    for args in [vec!["plan"], vec!["cutover", "--yes", "--limit", "a"], vec!["hot-sync", "--limit", "b"]] {
        let out = Bmfleet::new().args(args.clone()).inventory(&inv).run();
        out.code(2);
        for e in expected {
            assert!(out.stderr.contains(e), "{args:?}: {e}\n{}", out.stderr);
        }
        assert!(!out.runs.exists(), "{args:?}: nothing ran");
    }
    // Fixed, the same inventory plans, and a duration reaches the templates as seconds.
    std::fs::write(
        &inv,
        "vars:\n  rsync_bwlimit_kbps: 5000\npairs:\n  - { name: a, origin: { host: 192.0.2.1 }, target: { host: 192.0.2.2 }, vars: { cutover_mode: netplan, final_rsync_slack: 2m } }\n",
    )
    .unwrap();
    let out = Bmfleet::new().args(["plan", "cold-sync"]).inventory(&inv).run();
    out.code(0);
    assert!(out.stdout.contains("=120\n"), "final_rsync_slack: 2m renders as 120 seconds");
}

#[test]
fn report_refuses_bad_input_with_exit_2_and_writes_nothing() {
    let dir = scratch();
    let out_dir = dir.path().join("report");
    // The repository's inventory: the runs are the scratch directory's, named relative to it.
    let report =
        || Bmfleet::new().arg("report").inventory(&example()).args(["--runs-dir", "runs"]).in_dir(dir.path());
    // No such run.
    let out = report().args(["--run", "nope", "-o"]).arg(&out_dir).run();
    out.code(2);
    assert!(out.stderr.contains("no run `nope` in runs"), "{}", out.stderr);
    assert!(!out_dir.exists(), "nothing written");
    // A summary that is not one names its file, line and column.
    let run = dir.path().join("runs/20261201-010000-1");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("summary.json"), "{\n  \"run_id\": 3\n}\n").unwrap();
    let out = report().arg("-o").arg(&out_dir).run();
    out.code(2);
    assert!(out.stderr.contains("runs/20261201-010000-1/summary.json:2:"), "{}", out.stderr);
    assert!(!out_dir.exists(), "nothing written");
    // An output that is a file.
    std::fs::remove_dir_all(dir.path().join("runs")).unwrap();
    std::fs::write(&out_dir, "").unwrap();
    let out = report().arg("-o").arg(&out_dir).run();
    out.code(2);
    assert!(out.stderr.contains("exists and is not a directory"), "{}", out.stderr);
    // And with nothing run yet, a report of every pair, none of them run.
    std::fs::remove_file(&out_dir).unwrap();
    let out = report().arg("-o").arg(&out_dir).run();
    out.code(0);
    let index = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(index.contains("data-status=\"never run\""), "{index}");
}

/// Two pairs in two waves whose hosts nobody answers (TEST-NET-1), alone in a scratch directory:
/// a refusal leaves that directory as it was (no run directory, no journal).
fn two_waves() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = scratch();
    let inv = dir.path().join("fleet.yml");
    std::fs::write(
        &inv,
        "defaults: { connect_timeout: 1, known_hosts: kh }\npairs:\n  - { name: a, wave: 1, origin: { host: 192.0.2.1 }, target: { host: 192.0.2.2 } }\n  - { name: b, wave: 2, origin: { host: 192.0.2.3 }, target: { host: 192.0.2.4 } }\n",
    )
    .unwrap();
    (dir, inv)
}

/// Exit 2 with each of `expected` in the message, and nothing beside the inventory written.
fn refused_writing_nothing(dir: &std::path::Path, args: &[&str], expected: &[&str]) {
    let out = Bmfleet::new().args(args.iter().copied()).inventory(&dir.join("fleet.yml")).in_dir(dir).run();
    assert_eq!(out.code, 2, "{args:?}\n{}{}", out.stdout, out.stderr);
    for text in expected {
        assert!(out.stderr.contains(text), "{args:?}: expected `{text}` in\n{}", out.stderr);
    }
    let written: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(written, ["fleet.yml"], "{args:?} wrote something");
}

/// Each term matches pairs, but together they select none: every command that takes --limit
/// refuses it, naming the pattern, before it connects or writes anything.
#[test]
fn a_limit_that_selects_no_pair_is_refused_by_every_command() {
    let (dir, _) = two_waves();
    let commands: &[&[&str]] = &[
        &["plan"],
        &["inventory", "list"],
        &["inventory", "graph"],
        &["preflight"],
        &["hot-sync", "--check"],
        &["cold-sync", "--yes"],
        &["migrate", "--yes"],
        &["rollback"],
        &["run", "bluemind", "preflight"],
        &["exec", "true"],
        &["status"],
        &["report", "-o", "report"],
        &["schedule", "install", "x", "--at", "01:30", "--cron"],
    ];
    for pattern in ["wave1:&wave2", "all:!all", "a,b,!wave*"] {
        for command in commands {
            let args: Vec<&str> = command.iter().copied().chain(["--limit", pattern]).collect();
            let said = format!("--limit `{pattern}` selects no pair of");
            refused_writing_nothing(dir.path(), &args, &[&said]);
        }
    }
}

/// `rollback` puts origins back in service: it runs on the pairs --limit names, never on a whole
/// inventory because the flag was forgotten (the role says so: `needs_limit: true`).
#[test]
fn rollback_without_limit_is_refused() {
    let (dir, inv) = two_waves();
    let said = ["phase `rollback` runs only on the pairs --limit names", "--limit"];
    refused_writing_nothing(dir.path(), &["rollback"], &said);
    refused_writing_nothing(dir.path(), &["rollback", "--yes"], &said);
    // Named, it runs (and finds nobody there).
    let out = Bmfleet::new().arg("rollback").inventory(&inv).limit("a").run();
    out.code(4);
}

/// The phases that stop services (`stops_services: true`: cold-sync, cutover, and migrate, which
/// runs them) are refused on more than one wave without --limit, unless --yes says so.
#[test]
fn phases_that_stop_services_on_several_waves_need_limit_or_yes() {
    let (dir, inv) = two_waves();
    for command in [&["cold-sync"][..], &["cutover"], &["migrate"], &["migrate", "--from-phase", "cold-sync"]]
    {
        refused_writing_nothing(
            dir.path(),
            command,
            &["stops services", "on 2 waves (1, 2)", "--limit", "--yes"],
        );
    }
    // A --from-phase that is no phase is refused before the journal is opened, too.
    let said = ["`cold-snyc` is not a phase of role `bluemind`'s sequence"];
    refused_writing_nothing(dir.path(), &["migrate", "--from-phase", "cold-snyc", "--limit", "a"], &said);
    // A --limit, --yes, or a single wave: the run goes on (cold-sync needs a hot sync first, so
    // each pair is refused by the journal, without connecting).
    for (args, limit) in [(&["cold-sync"][..], Some("wave1")), (&["cold-sync", "--yes"], None)] {
        let mut cmd = Bmfleet::new().args(args.iter().copied()).inventory(&inv);
        if let Some(limit) = limit {
            cmd = cmd.limit(limit);
        }
        let out = cmd.run();
        assert!(!out.stderr.contains("stops services"), "{args:?}: {}", out.stderr);
        assert_ne!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
    }
    // Phases that stop nothing run on every wave (and are refused by the journal here).
    for args in [&["hot-sync"][..], &["migrate", "--from-phase", "post"]] {
        let out = Bmfleet::new().args(args.iter().copied()).inventory(&inv).run();
        assert!(!out.stderr.contains("stops services"), "{args:?}: {}", out.stderr);
        assert_ne!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
    }
}

/// The role, not the engine, says which phases stop services: any role's phase with
/// `stops_services: true` is refused by `bmfleet run` on several waves without --limit or --yes.
#[test]
fn any_role_declares_its_phases_that_stop_services() {
    let (dir, inv) = two_waves();
    let role = scratch();
    std::fs::write(
        role.path().join("role.yml"),
        "name: drains\nphases:\n  - name: look\n    steps:\n      - { name: s, on: controller, run: echo looked }\n  - name: drain\n    stops_services: true\n    steps:\n      - { name: s, on: controller, run: echo drained }\n",
    )
    .unwrap();
    let role = role.path().display().to_string();
    let said = ["phase `drain` stops services", "on 2 waves (1, 2)"];
    refused_writing_nothing(dir.path(), &["run", &role, "drain"], &said);
    refused_writing_nothing(dir.path(), &["run", &role], &said);
    Bmfleet::new().args(["run", &role, "look"]).inventory(&inv).run().code(0);
    Bmfleet::new().args(["run", &role, "drain", "--yes"]).inventory(&inv).run().code(0);
    Bmfleet::new().args(["run", &role, "drain"]).inventory(&inv).limit("wave2").run().code(0);
}

/// An inventory with three mistakes (a misspelt key, a port out of range, a group never
/// defined) reports all three in one run, in the file's order, each at its line and column, and
/// connects nowhere: fixing a file takes one run, not one per mistake (issue 28).
#[test]
fn every_mistake_of_an_inventory_is_reported_in_one_run() {
    let dir = scratch();
    std::fs::write(
        dir.path().join("inv.yml"),
        "groups:\n  canary: { description: first tenants }\npairs:\n  - name: acme\n    groups: [canery]\n    origin: { host: 192.0.2.1, port: 70000 }\n    tagret: { host: 192.0.2.2 }\n",
    )
    .unwrap();
    for command in ["plan", "hot-sync"] {
        let out = Bmfleet::new().arg(command).arg("-i").arg("inv.yml").in_dir(dir.path()).run();
        out.code(2);
        assert!(out.stdout.is_empty(), "{command}: {}", out.stdout);
        assert_eq!(out.stderr.matches("error: inv.yml:").count(), 3, "{command}: {}", out.stderr);
        assert!(!dir.path().join("runs").exists() && !dir.path().join(".bmfleet").exists(), "nothing ran");
        insta::assert_snapshot!("three_mistakes", out.stderr);
    }
}

/// What a package installs next to the binary comes from the binary: completions for bash, zsh
/// and fish, a man page, and a version naming the commit it was built from (issue 28).
#[test]
fn version_completions_and_manpage_come_from_the_binary() {
    let out = Bmfleet::new().arg("--version").run();
    out.code(0);
    let version = out.stdout.trim();
    let commit = version.strip_prefix(concat!("bmfleet ", env!("CARGO_PKG_VERSION"), " (")).unwrap_or("");
    assert!(commit.starts_with("commit ") || commit == "unknown commit)", "{version}");
    for (shell, expected) in
        [("bash", "complete -F _bmfleet"), ("zsh", "#compdef bmfleet"), ("fish", "complete -c bmfleet")]
    {
        let out = Bmfleet::new().args(["completions", shell]).run();
        out.code(0);
        assert!(out.stdout.contains(expected) && out.stdout.contains("hot-sync"), "{shell}: {}", out.stdout);
    }
    let out = Bmfleet::new().arg("completions").arg("tcsh").run();
    out.code(2);
    let man = Bmfleet::new().arg("manpage").run();
    man.code(0);
    assert!(man.stdout.contains(".TH bmfleet 1") && man.stdout.contains("preflight"), "{}", man.stdout);
}

/// Loopback ports nothing listens on (bound, then let go): a connection there is refused at once.
fn refused_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<_> = (0..n).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    listeners.iter().map(|l| l.local_addr().unwrap().port()).collect()
}

/// `dir/inv.yml`: one pair `a` whose origin and target are loopback ports that refuse at once
/// (returned, origin's first), with `defaults` beyond connect_timeout and an empty known_hosts.
fn refused_pair_inventory(dir: &std::path::Path, defaults: &str) -> (std::path::PathBuf, Vec<u16>) {
    let p = refused_ports(2);
    std::fs::write(dir.join("kh"), "").unwrap();
    let inv = dir.join("inv.yml");
    std::fs::write(
        &inv,
        format!(
            "defaults: {{ connect_timeout: 5, known_hosts: kh{defaults} }}\npairs:\n  - {{ name: a, origin: {{ host: 127.0.0.1, port: {} }}, target: {{ host: 127.0.0.1, port: {} }} }}\n",
            p[0], p[1]
        ),
    )
    .unwrap();
    (inv, p)
}

/// When the origin refuses, the target is still tried: one preflight names every unreachable
/// host, one line each, and its checks that never ran are "not run", not FAIL (issue 28).
#[test]
fn one_preflight_names_every_unreachable_host_once() {
    let dir = scratch();
    let (inv, p) = refused_pair_inventory(dir.path(), "");
    let out = Bmfleet::new().arg("preflight").inventory(&inv).run();
    out.code(4);
    let text = out.all_output();
    assert!(!text.contains("unreachable: unreachable"), "{text}");
    for (side, port) in [("origin", p[0]), ("target", p[1])] {
        let host = format!("a unreachable: {side} 127.0.0.1: cannot connect to 127.0.0.1:{port}");
        assert_eq!(text.matches(&host).count(), 1, "{host}\n{text}");
        let said = format!("{side} 127.0.0.1: cannot connect to 127.0.0.1:{port}");
        assert!(
            text.lines().filter(|l| l.contains(&said)).count() <= 3,
            "{said}: step, pair and summary\n{text}"
        );
    }
    let table: Vec<&str> = text.lines().skip_while(|l| !l.starts_with("preflight checks")).take(3).collect();
    assert!(table[2].contains("not run") && table[2].ends_with("unreachable"), "{table:?}");
    assert!(!table[2].contains("FAIL"), "{table:?}");
}

/// Reads write nothing, and a campaign that never ran says so (issue 28): `status` creates no
/// state directory and shows "never synced", `report` says nothing has run rather than that
/// every pair succeeded, and both say where they looked.
#[test]
fn reads_of_a_campaign_that_never_ran_write_nothing_and_say_so() {
    let dir = scratch();
    std::fs::copy(example(), dir.path().join("inv.yml")).unwrap();
    let status = Bmfleet::new().args(["status", "-i", "inv.yml"]).in_dir(dir.path()).run();
    status.code(0);
    assert!(!status.stdout.contains("STALE"), "{}", status.stdout);
    assert!(!dir.path().join(".bmfleet").exists(), "status created the state directory");
    insta::assert_snapshot!("status_never_ran", status.stdout);

    let out = Bmfleet::new().args(["report", "-i", "inv.yml", "-o", "report"]).in_dir(dir.path()).run();
    out.code(0);
    assert!(!dir.path().join(".bmfleet").exists(), "report created the state directory");
    assert!(out.stdout.contains("Read: runs in runs, no journal yet in .bmfleet/inv\n"), "{}", out.stdout);
    assert!(out.stdout.contains("Nothing has run yet"), "{}", out.stdout);
    let index = std::fs::read_to_string(dir.path().join("report/index.html")).unwrap();
    assert!(index.contains("Nothing has run yet: no run of these pairs is recorded."), "{index}");
    assert!(!index.contains("every pair's last run succeeded") && !index.contains(">0 ok<"), "{index}");
}

/// Ctrl-C while every handshake is pending (hosts that accept TCP and never say a word, a 60 s
/// connect timeout): the run stops at once, not when the timeout ends, and says what it does:
/// a preflight has nothing to roll back, so no message speaks of rollbacks (issue 28).
#[test]
fn ctrl_c_drops_pending_handshakes_at_once() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(8).collect();
        std::thread::sleep(std::time::Duration::from_secs(90));
        drop(held);
    });
    let dir = scratch();
    std::fs::write(dir.path().join("kh"), "").unwrap();
    let inv = dir.path().join("inv.yml");
    std::fs::write(
        &inv,
        format!(
            "defaults: {{ connect_timeout: 60, known_hosts: kh, port: {port} }}\npairs:\n  - {{ name: a, origin: {{ host: 127.0.0.1 }}, target: {{ host: localhost }} }}\n"
        ),
    )
    .unwrap();
    let (child, _) = Bmfleet::new().arg("preflight").inventory(&inv).spawn();
    std::thread::sleep(std::time::Duration::from_secs(2));
    let pressed = std::time::Instant::now();
    // SAFETY: sending SIGINT to the child we spawned.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    let secs = pressed.elapsed().as_secs_f64();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(secs < 10.0, "exited {secs:.1} s after Ctrl-C\n{text}");
    assert_eq!(out.status.code(), Some(130), "{text}");
    assert!(text.contains("dropping pending connections"), "{text}");
    assert!(!text.contains("rolled back") && !text.contains("rollback"), "{text}");
}

/// `--notify CMD` (issue 28, item 9): a run that fails (here a pair whose hosts refuse at once)
/// and a pair never synced run CMD with the run's notice on stdin; the sudo password's variable
/// does not reach CMD, and CMD's own failure is reported without changing the exit code.
#[test]
fn a_failed_run_with_a_stale_pair_tells_the_notify_command_and_nothing_secret() {
    let dir = scratch();
    let (inv, _) = refused_pair_inventory(dir.path(), ", become: sudo, become_password_env: BMF_SUDO");
    let notice = dir.path().join("notice.json");
    let env = dir.path().join("env.txt");
    let command = format!("cat > '{}'; env > '{}'", notice.display(), env.display());
    let out = Bmfleet::new()
        .args(["preflight", "--stale-after", "1h", "--notify", &command])
        .inventory(&inv)
        .env("BMF_SUDO", "hunter2-not-for-mailers")
        .run();
    out.code(4);
    assert!(out.stderr.contains("notify: `cat > "), "{}", out.stderr);
    let text = std::fs::read_to_string(&notice).expect("the notify command ran");
    let v: serde_json::Value = serde_json::from_str(&text).expect("a JSON notice");
    assert_eq!(v["format"], 1);
    assert_eq!(v["reasons"], serde_json::json!(["failed", "stale"]));
    assert_eq!(v["exit_code"], 4);
    assert_eq!(v["phases"], serde_json::json!(["preflight"]));
    assert_eq!(v["stale"], serde_json::json!([{ "pair": "a", "last_sync_age_secs": null }]));
    assert_eq!(v["summary"]["pairs"][0]["status"], "unreachable");
    assert_eq!(
        v["run_dir"],
        out.run_dir().display().to_string(),
        "the run's own directory, beside the inventory"
    );
    let env = std::fs::read_to_string(&env).unwrap();
    assert!(!env.contains("BMF_SUDO") && !env.contains("hunter2"), "{env}");
    assert!(!text.contains("hunter2"), "{text}");

    let out =
        Bmfleet::new().args(["preflight", "--notify", "exit 3"]).inventory(&inv).env("BMF_SUDO", "x").run();
    out.code(4);
    assert!(out.stderr.contains("notify: `exit 3` failed: exit status: 3"), "{}", out.stderr);
}

/// Broken input at night (the inventory changed since `schedule install`) is a failure told too.
#[test]
fn a_run_stopped_by_bad_input_tells_the_notify_command_its_error() {
    let dir = scratch();
    std::fs::write(dir.path().join("inv.yml"), "pairs:\n  - name: a\n").unwrap();
    let notice = dir.path().join("notice.json");
    let out = Bmfleet::new()
        .args(["hot-sync", "--notify", &format!("cat > '{}'", notice.display())])
        .inventory(&dir.path().join("inv.yml"))
        .run();
    out.code(2);
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&notice).unwrap()).unwrap();
    assert_eq!(v["reasons"], serde_json::json!(["failed"]));
    assert_eq!(v["exit_code"], 2);
    assert!(v["error"].as_str().unwrap().contains("inv.yml"), "{v}");
    assert_eq!(v["summary"], serde_json::Value::Null);
}

/// `schedule install --notify` passes the command on to each run, kept whole through systemd's
/// and cron's own expansions (`$`, `%`).
#[test]
fn a_schedule_passes_its_notify_command_on() {
    let dir = scratch();
    let units = dir.path().join("units");
    let notify = "mail -s \"bmfleet $(hostname) 100%\" ops@example.org";
    let args = ["schedule", "install", "n", "--at", "01:30", "--notify", notify, "--stale-after", "2d"];
    Bmfleet::new()
        .args(args)
        .args(["--no-enable", "--unit-dir"])
        .arg(&units)
        .inventory(&example())
        .run()
        .code(0);
    let service = std::fs::read_to_string(units.join("bmfleet-n.service")).unwrap();
    let exec = service.lines().find_map(|l| l.strip_prefix("ExecStart=")).unwrap();
    assert!(
        exec.contains(
            "--notify 'mail -s \"bmfleet $$(hostname) 100%%\" ops@example.org' --stale-after 172800s"
        ),
        "{exec}"
    );
    let cron = Bmfleet::new().args(args).arg("--cron").inventory(&example()).run();
    cron.code(0);
    assert!(cron.stdout.contains("$(hostname) 100\\%\""), "{}", cron.stdout);
    let out = Bmfleet::new()
        .args(["schedule", "install", "n", "--at", "01:30", "--stale-after", "2d", "--cron"])
        .inventory(&example())
        .run();
    out.code(2);
}

/// `status --format json` is an envelope with its format version (docs/json.md); its shape is
/// snapshot-tested on a campaign that never ran (machine paths replaced).
#[test]
fn status_json_is_an_envelope_with_a_format() {
    let dir = scratch();
    std::fs::copy(example(), dir.path().join("fleet.yml")).unwrap();
    let out = Bmfleet::new()
        .args(["status", "--format", "json"])
        .inventory(&dir.path().join("fleet.yml"))
        .limit("acme")
        .run();
    out.code(0);
    let mut v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(v["state_dir"].as_str().unwrap().ends_with(".bmfleet/fleet"), "{v}");
    v["state_dir"] = "[state dir]".into();
    assert_eq!(v["runs_dir"], dir.path().join("runs").display().to_string(), "runs/ beside the inventory");
    v["runs_dir"] = "[runs dir]".into();
    insta::assert_snapshot!("status_json", serde_json::to_string_pretty(&v).unwrap());
}

/// `plan --format json`: the same envelope, endpoints and waves as typed fields, no label to parse.
#[test]
fn plan_json_has_a_format_and_typed_endpoints_and_waves() {
    let out = Bmfleet::new()
        .args(["plan", "preflight", "--format", "json"])
        .inventory(&example())
        .limit("globex")
        .run();
    out.code(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let wave = &v["waves"][0];
    let pair = &wave["pairs"][0];
    let shape = serde_json::json!({
        "format": v["format"],
        "role": v["role"],
        // A directory (the repository's roles/bluemind here), or null when built in.
        "role_loaded_from": v["role_loaded_from"].as_str().map(|d| d.ends_with("roles/bluemind")),
        "wave": { "label": wave["label"], "wave": wave["wave"], "batch": wave["batch"], "batches": wave["batches"] },
        "pair": { "name": pair["name"], "wave": pair["wave"], "origin": pair["origin"], "target": pair["target"] },
        "first_step_keys": pair["steps"][0].as_object().unwrap().keys().collect::<Vec<_>>(),
    });
    insta::assert_snapshot!("plan_json_shape", serde_json::to_string_pretty(&shape).unwrap());
}

/// Copy a directory tree (a role: role.yml and its templates).
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Phases are the role's data: a copy of the BlueMind role with one more phase runs it as
/// `bmfleet census`, by its name, with no Rust change; `read_only: true` lets it run with no
/// lock on the targets (these hosts do not exist); a typo is told the role's phases.
#[test]
fn a_role_copy_with_one_more_phase_runs_it_by_its_name() {
    let dir = scratch();
    let role = dir.path().join("bluemind");
    copy_tree(&repo().join("roles/bluemind"), &role);
    let mut yml = std::fs::read_to_string(role.join("role.yml")).unwrap();
    yml.push_str(concat!(
        "\n  - name: census\n",
        "    description: Count what the pair holds; nothing is changed.\n",
        "    read_only: true\n",
        "    standalone: true\n",
        "    schedule: counted every night\n",
        "    steps:\n",
        "      - name: count\n",
        "        on: controller\n",
        "        run: echo census-counted\n",
    ));
    std::fs::write(role.join("role.yml"), yml).unwrap();
    let inv = dir.path().join("inv.yml");
    std::fs::write(
        &inv,
        "defaults: { connect_timeout: 1, known_hosts: kh }\npairs:\n  - { name: p, origin: { host: 192.0.2.1 }, target: { host: 192.0.2.2 } }\n",
    )
    .unwrap();
    let state = dir.path().join("state");

    let plan = Bmfleet::new().args(["plan", "census"]).inventory(&inv).role(&role).run();
    plan.code(0);
    assert!(
        plan.stdout.contains("[census]") && plan.stdout.contains("echo census-counted"),
        "{}",
        plan.stdout
    );

    let out = Bmfleet::new().arg("census").inventory(&inv).role(&role).arg("--state-dir").arg(&state).run();
    out.code(0);
    assert!(out.pair_log("p").contains("census-counted"), "{}", out.all_output());
    let journal = std::fs::read_dir(state.join("pairs")).unwrap().flatten().next().unwrap().path();
    let journal = std::fs::read_to_string(journal).unwrap();
    assert!(journal.contains("census"), "the journal records the phase: {journal}");

    let help = Bmfleet::new().args(["census", "--help"]).role(&role).run();
    help.code(0);
    assert!(
        help.stdout.contains("Count what the pair holds") && help.stdout.contains("--limit"),
        "{}",
        help.stdout
    );

    // It may run unattended because the role says so; the default schedule is the role's
    // repeatable sync.
    let nightly = ["schedule", "install", "x", "census", "--at", "01:30", "--cron"];
    let cron = Bmfleet::new().args(nightly).inventory(&inv).role(&role).run();
    cron.code(0);
    assert!(cron.stdout.contains(" census -i "), "{}", cron.stdout);
    let default = ["schedule", "install", "x", "--at", "01:30", "--cron"];
    let cron = Bmfleet::new().args(default).inventory(&inv).role(&role).run();
    cron.code(0);
    assert!(cron.stdout.contains(" hot-sync -i "), "{}", cron.stdout);

    let typo = Bmfleet::new().arg("censsu").inventory(&inv).role(&role).run();
    typo.code(2);
    assert!(
        typo.stderr.contains("did you mean `census`?") && typo.stderr.contains("hot-sync, cold-sync"),
        "{}",
        typo.stderr
    );
}

/// Every file under `dir`, as paths relative to it, sorted: what a command wrote there.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            files.push(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() {
                pending.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A scratch directory holding `campaign/` (the inventory of a pair whose hosts refuse at once)
/// and `elsewhere/`, a directory a command may be started from: (scratch, campaign, elsewhere,
/// inventory).
fn campaign_elsewhere() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let dir = scratch();
    let campaign = dir.path().join("campaign");
    let elsewhere = dir.path().join("elsewhere");
    std::fs::create_dir_all(&campaign).unwrap();
    std::fs::create_dir_all(&elsewhere).unwrap();
    let (inv, _) = refused_pair_inventory(&campaign, "");
    (dir, campaign, elsewhere, inv)
}

/// A campaign's runs live beside its inventory, with its `.bmfleet/` (issue 28, item 4): a run
/// started from another directory writes them there and says so, and `status` and `report -i`
/// started from yet another directory find them and say where they looked.
#[test]
fn runs_land_beside_the_inventory_and_are_found_from_anywhere() {
    let (dir, campaign, elsewhere, inv) = campaign_elsewhere();
    let out = Bmfleet::new().arg("preflight").inventory(&inv).in_dir(&elsewhere).run();
    out.code(4);
    assert_eq!(out.runs, campaign.join("runs"));
    let run = out.run_dir();
    assert!(run.join("summary.json").is_file(), "{}", run.display());
    assert!(files_under(&elsewhere).is_empty(), "the working directory got {:?}", files_under(&elsewhere));
    // Said at the start (the console's first line) and at the end.
    let first = out.stderr.lines().next().unwrap_or_default();
    assert!(first.ends_with(&format!("; run directory: {}", run.display())), "{}", out.stderr);
    assert!(out.stdout.contains(&format!("Logs and summary: {}\n", run.display())), "{}", out.stdout);

    let status = Bmfleet::new().arg("status").inventory(&inv).run();
    status.code(0);
    assert!(
        status.stdout.contains(&format!("Runs (logs, summaries): {}\n", out.runs.display())),
        "{}",
        status.stdout
    );
    let report = Bmfleet::new().arg("report").inventory(&inv).arg("-o").arg(dir.path().join("report")).run();
    report.code(0);
    assert!(report.stdout.contains("Report of 1 pairs (1 runs, "), "{}", report.stdout);
    let read = format!(
        "Read: runs in {}, journal in {}\n",
        out.runs.display(),
        campaign.join(".bmfleet/inv").display()
    );
    assert!(report.stdout.contains(&read), "{}", report.stdout);
    // A relative inventory: the runs beside it, named as relative as it.
    let report =
        Bmfleet::new().args(["report", "-i", "campaign/inv.yml", "-o", "report"]).in_dir(dir.path()).run();
    report.code(0);
    assert!(
        report.stdout.contains("(1 runs, ") && report.stdout.contains("Read: runs in campaign/runs, "),
        "{}",
        report.stdout
    );
}

/// An explicit `--runs-dir` wins, relative to the directory bmfleet runs in as any path typed:
/// the run goes there (said in the JSON events too), the inventory's own runs/ is untouched,
/// and `report` and `status` given the same flag read and name it.
#[test]
fn an_explicit_runs_dir_wins_relative_to_the_working_directory() {
    let (dir, campaign, elsewhere, inv) = campaign_elsewhere();
    let out = Bmfleet::new()
        .args(["preflight", "--format", "json", "--runs-dir", "records"])
        .inventory(&inv)
        .in_dir(&elsewhere)
        .run();
    out.code(4);
    assert_eq!(out.runs, elsewhere.join("records"));
    let run = out.run_dir();
    assert!(!campaign.join("runs").exists(), "the inventory's runs/ is untouched");
    let started: serde_json::Value = serde_json::from_str(out.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(started["event"], "run_started", "{started}");
    let id = run.file_name().unwrap().to_string_lossy();
    assert_eq!(started["run_dir"], format!("records/{id}"), "{started}");

    let report = Bmfleet::new()
        .args(["report", "--runs-dir", "records", "-o", "report"])
        .inventory(&inv)
        .in_dir(&elsewhere)
        .run();
    report.code(0);
    assert!(
        report.stdout.contains("(1 runs, ") && report.stdout.contains("Read: runs in records, "),
        "{}",
        report.stdout
    );
    let status =
        Bmfleet::new().args(["status", "--runs-dir", "records"]).inventory(&inv).in_dir(&elsewhere).run();
    status.code(0);
    assert!(status.stdout.contains("Runs (logs, summaries): records\n"), "{}", status.stdout);
    // Without the flag, report reads the inventory's runs/: none there.
    let report = Bmfleet::new()
        .arg("report")
        .inventory(&inv)
        .arg("-o")
        .arg(dir.path().join("r2"))
        .in_dir(&elsewhere)
        .run();
    report.code(0);
    assert!(report.stdout.contains("(0 runs, "), "{}", report.stdout);
}

/// Reads write nothing, wherever they start: `status`, `report` (but its -o), `plan` and
/// `inventory list` of a campaign that never ran, from another directory, leave the
/// inventory's directory and their own as they were (no runs/, no .bmfleet/).
#[test]
fn reads_from_another_directory_write_nothing() {
    let (dir, campaign, elsewhere, inv) = campaign_elsewhere();
    let before = files_under(&campaign);
    let report = dir.path().join("report");
    for args in [vec!["status"], vec!["status", "--format", "json"], vec!["plan"], vec!["inventory", "list"]]
    {
        let out = Bmfleet::new().args(args.clone()).inventory(&inv).in_dir(&elsewhere).run();
        out.code(0);
        assert_eq!(files_under(&campaign), before, "{args:?} wrote beside the inventory");
        assert!(files_under(&elsewhere).is_empty(), "{args:?} wrote in its working directory");
    }
    let out = Bmfleet::new().arg("report").inventory(&inv).arg("-o").arg(&report).in_dir(&elsewhere).run();
    out.code(0);
    assert!(
        out.stdout.contains(&format!("Read: runs in {}, no journal yet", campaign.join("runs").display())),
        "{}",
        out.stdout
    );
    assert_eq!(files_under(&campaign), before, "report wrote beside the inventory");
    assert!(files_under(&elsewhere).is_empty(), "report wrote in its working directory");
}

//! Planning: rendering every step of every selected pair, and refusing bad roles before anything
//! connects.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::*;
use crate::inventory;

const INVENTORY: &str = r#"
vars: { db_password: "hunter2-secret", note: "it's $(reboot)" }
pairs:
  - { name: acme, wave: 1, origin: { host: o1 }, target: { host: t1 }, vars: { spools: [/a/, "/b c/"] } }
  - { name: globex, wave: 2, origin: { host: o2 }, target: { host: t2 } }
"#;

/// A role in a temporary directory: `role.yml` plus template files.
struct TestRole {
    dir: tempfile::TempDir,
}

impl TestRole {
    fn new(role_yml: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("role.yml"), role_yml).unwrap();
        TestRole { dir }
    }

    fn file(self, rel: &str, content: &str) -> Self {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
        self
    }

    fn load(&self) -> crate::Result<crate::role::Role> {
        crate::role::load(self.dir.path())
    }

    /// Error text with the temporary directory replaced by `ROLE`.
    fn error(&self) -> String {
        let err = self.load().expect_err("the role should be refused");
        assert_eq!(err.exit_code(), crate::error::exit::BAD_INPUT);
        err.to_string().replace(&self.dir.path().display().to_string(), "ROLE")
    }

    fn plan(&self, phases: &[&str]) -> crate::Result<Plan> {
        let inv = inventory::parse(Path::new("inv.yml"), INVENTORY).unwrap();
        let selected: Vec<usize> = (0..inv.pairs.len()).collect();
        let phases: Vec<String> = phases.iter().map(|s| s.to_string()).collect();
        build(PlanRequest {
            inventory: &inv,
            selected: &selected,
            role: Arc::new(self.load()?),
            phases: &phases,
            serial: None,
            check_mode: false,
            phases_for: None,
        })
    }
}

const ROLE: &str = r#"
name: test
defaults: { spools: [/x/], workers: 2, db_password: "", note: "" }
vars:
  spools: { each: line, description: spools }
  workers: { type: integer, description: workers }
  db_password: { type: line, empty: true, description: a secret }
  note: { type: line, empty: true, description: a note }
phases:
  - name: one
    steps:
      - name: hello
        on: origin
        register: greeting
        run: echo {{ note }} {{ db_password }}
      - name: copy
        on: target
        loop: spools
        parallel: copy
        max_parallel: workers
        template: templates/copy.sh
      - name: compare
        assert:
          that: greeting != ""
          message: "no greeting from {{ pair.name }}"
  - name: two
    steps:
      - name: use
        on: target
        run: echo {{ greeting }}
"#;

#[test]
fn plan_renders_every_step_with_quoting_loops_and_masking() {
    let role =
        TestRole::new(ROLE).file("templates/copy.sh", "rsync -a {{ origin.host }}:{{ item }} {{ item }}\n");
    let plan = role.plan(&["two", "one"]).unwrap();
    assert_eq!(plan.phases, ["one", "two"], "phases run in the role's order");
    assert_eq!(plan.waves.len(), 2);
    let acme = &plan.waves[0].pairs[0];
    let labels: Vec<&str> = acme.steps.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["hello", "copy [/a/]", "copy [/b c/]", "compare", "use"]);
    let bound = |values: &str, body: &str| {
        format!(
            "{}{values}\n{body}",
            "# The values of this step, bound once (the script refers to them as \"${BMF_n}\"):\n"
        )
    };
    let copy = "rsync -a \"${BMF_1}\":\"${BMF_2}\" \"${BMF_2}\"\n";
    assert_eq!(acme.steps[2].script.as_deref(), Some(bound("BMF_1=o1\nBMF_2='/b c/'\n", copy).as_str()));
    assert_eq!(acme.steps[1].max_parallel, 2);
    assert!(acme.steps[4].deferred, "uses a register");
    assert_eq!(
        acme.steps[4].script.as_deref(),
        Some(bound("BMF_1='<runtime:greeting>'\n", "echo \"${BMF_1}\"").as_str())
    );
    let text = render_text(&plan);
    assert!(!text.contains("hunter2"), "secrets are masked:\n{text}");
    insta::assert_snapshot!("plan_text", text);
    let json: serde_json::Value = serde_json::from_str(&render_json(&plan)).unwrap();
    assert_eq!(json["waves"][1]["pairs"][0]["steps"][1]["script"], bound("BMF_1=o2\nBMF_2=/x/\n", copy));
    assert!(!render_json(&plan).contains("hunter2"));
}

#[test]
fn a_register_from_a_phase_not_run_is_refused_before_connecting() {
    let role = TestRole::new(ROLE).file("templates/copy.sh", "true\n");
    let err = role.plan(&["two"]).unwrap_err().to_string();
    assert!(
        err.contains("uses `greeting`, which is registered by a step that does not run before it"),
        "{err}"
    );
}

#[test]
fn unknown_phases_are_refused_with_suggestions() {
    let role = TestRole::new(ROLE).file("templates/copy.sh", "true\n");
    let err = role.plan(&["tow"]).unwrap_err().to_string();
    insta::assert_snapshot!("unknown_phase", err);
}

#[test]
fn undefined_variables_are_errors_with_template_line_and_column() {
    let role =
        TestRole::new(ROLE).file("templates/copy.sh", "set -e\nrsync -a {{ origin.hots }} {{ itme }}\n");
    let err =
        role.plan(&["one"]).unwrap_err().to_string().replace(&role.dir.path().display().to_string(), "ROLE");
    insta::assert_snapshot!("undefined_variable", err);

    let inline =
        TestRole::new(&ROLE.replace("echo {{ note }}", "echo {{ nte }}")).file("templates/copy.sh", "true\n");
    let err = inline
        .plan(&["one"])
        .unwrap_err()
        .to_string()
        .replace(&inline.dir.path().display().to_string(), "ROLE");
    assert!(err.contains("ROLE/role.yml:15:22: undefined variable `nte`"), "{err}");
    assert!(err.contains("did you mean `note`?"), "{err}");
}

#[test]
fn bad_roles_are_refused_at_load() {
    let cases: &[(&str, &str)] = &[
        (
            "unknown_step_key",
            "phases:\n  - name: a\n    steps:\n      - name: s\n        on: origin\n        rn: true\n",
        ),
        ("no_where", "phases:\n  - name: a\n    steps:\n      - name: s\n        run: true\n"),
        (
            "bad_where",
            "phases:\n  - name: a\n    steps:\n      - name: s\n        on: elsewhere\n        run: true\n",
        ),
        (
            "syntax",
            "phases:\n  - name: a\n    steps:\n      - name: s\n        on: origin\n        run: |\n          echo {{ x\n",
        ),
        (
            "bad_duration",
            "phases:\n  - name: a\n    steps:\n      - name: s\n        on: origin\n        timeout: 5 minutes\n        run: true\n",
        ),
        (
            "duplicate_step",
            "phases:\n  - name: a\n    steps:\n      - { name: s, on: origin, run: 'true' }\n      - { name: s, on: origin, run: 'true' }\n",
        ),
        (
            "missing_template",
            "phases:\n  - name: a\n    steps:\n      - { name: s, on: origin, template: templates/nope.sh }\n",
        ),
        (
            "bad_requires",
            "phases:\n  - name: a\n    requires: [b]\n    steps:\n      - { name: s, on: origin, run: 'true' }\n",
        ),
        (
            "bad_expression",
            "phases:\n  - name: a\n    steps:\n      - name: s\n        when: x ==\n        on: origin\n        run: 'true'\n",
        ),
        (
            "unknown_rollback",
            "phases:\n  - name: a\n    rollback: undo\n    steps:\n      - { name: s, on: origin, run: 'true' }\n",
        ),
        (
            "rollback_not_standalone",
            "phases:\n  - name: a\n    rollback: b\n    steps:\n      - { name: s, on: origin, run: 'true' }\n  - name: b\n    steps:\n      - { name: s, on: origin, run: 'true' }\n",
        ),
        (
            "flag_of_not_a_phase",
            "phases:\n  - name: a\n    steps:\n      - { name: s, on: origin, run: 'true' }\n  - name: b\n    flag_of: { phase: c, flag: undo }\n    steps:\n      - { name: s, on: origin, run: 'true' }\n",
        ),
        (
            "flag_of_bad_flag",
            "phases:\n  - name: a\n    steps:\n      - { name: s, on: origin, run: 'true' }\n  - name: b\n    flag_of: { phase: a, flag: --undo }\n    steps:\n      - { name: s, on: origin, run: 'true' }\n",
        ),
        (
            "phase_key_typo",
            "phases:\n  - name: a\n    read_onyl: true\n    steps:\n      - { name: s, on: origin, run: 'true' }\n",
        ),
        (
            "variable_in_double_quotes",
            "phases:\n  - name: a\n    steps:\n      - name: s\n        on: origin\n        run: echo \"hi {{ name }}\"\n",
        ),
    ];
    for (name, yml) in cases {
        insta::assert_snapshot!(format!("role_error_{name}"), TestRole::new(yml).error());
    }
}

const ROLLBACK_ROLE: &str = r#"
defaults: { spools: [/x/], db_password: "", note: "" }
vars:
  spools: { each: line, description: spools }
  db_password: { type: line, empty: true, description: a secret }
  note: { type: line, empty: true, description: a note }
phases:
  - name: sync
    steps:
      - { name: copy, on: target, run: 'true' }
  - name: stop
    rollback: undo
    steps:
      - { name: stop, on: origin, run: 'true' }
  - name: switch
    steps:
      - { name: switch, on: target, point_of_no_return: true, run: 'true' }
  - name: undo
    standalone: true
    steps:
      - { name: start, on: origin, run: 'echo {{ origin.host }}' }
"#;

#[test]
fn rollbacks_are_rendered_with_the_plan_when_the_run_can_arm_them() {
    let role = TestRole::new(ROLLBACK_ROLE);
    let plan = role.plan(&[]).unwrap();
    assert_eq!(plan.phases, ["sync", "stop", "switch"], "a standalone phase runs only when named");
    let pair = &plan.waves[0].pairs[0];
    let undo = &pair.rollbacks["undo"];
    assert_eq!(undo.len(), 1);
    assert!(undo[0].script.as_deref().unwrap().contains(&pair.pair.origin.host));
    let text = render_text(&plan);
    assert!(text.contains("on failure until the point of no return: rollback `undo`"), "{text}");
    assert!(text.contains("POINT OF NO RETURN"), "{text}");
    // A run of phases before the one that arms needs no rollback; the rollback itself neither.
    for phases in [&["sync"][..], &["undo"][..]] {
        let plan = role.plan(phases).unwrap();
        assert!(plan.waves[0].pairs[0].rollbacks.is_empty(), "{phases:?}");
    }
    // A run after the arming phase may be armed by the journal: rendered too.
    assert!(!role.plan(&["switch"]).unwrap().waves[0].pairs[0].rollbacks.is_empty());
}

#[test]
fn the_example_inventory_plans_with_the_bluemind_role() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let inv = inventory::load(&root.join("inventories/example.yml")).unwrap();
    let selected = crate::pattern::select(&inv, "wave1:!acme").unwrap();
    let role = Arc::new(crate::role::load(&root.join("roles/bluemind")).unwrap());
    let plan = build(PlanRequest {
        inventory: &inv,
        selected: &selected,
        role,
        phases: &["hot-sync".to_string(), "cold-sync".to_string()],
        serial: None,
        check_mode: false,
        phases_for: None,
    })
    .unwrap();
    let text = render_text(&plan).replace(&root.display().to_string(), ".");
    insta::assert_snapshot!("example_wave1_not_acme", text);
    let lines = super::render_text_view(&plan, false).replace(&root.display().to_string(), ".");
    insta::assert_snapshot!("example_wave1_not_acme_one_line_per_step", lines);
}

/// Templates fail closed (issue 24): every step of the BlueMind role that reads an enumerated
/// variable, rendered with each declared value and with one the role does not declare (as if it
/// had slipped past the plan's checks), then run by bash as `nobody` with no command to be found:
/// with a declared value the step goes on to its work (its first external command stops it
/// here); with the undeclared one it refuses before running any command. Before, `cutover_mode:
/// netplann` rendered "release origin address" to `systemctl poweroff` and "take origin
/// address" to no branch at all.
#[test]
fn every_step_reading_an_enumeration_refuses_a_value_it_does_not_handle() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let role = crate::role::load(&root.join("roles/bluemind")).unwrap();
    let phases: Vec<String> = role.phase_names().into_iter().map(String::from).collect();
    let enums: Vec<(&String, &crate::role::vars::VarSpec)> =
        role.var_specs.iter().filter(|(_, s)| s.type_name().starts_with("one of ")).collect();
    assert!(enums.len() >= 2, "cutover_mode and final_rsync at least: {enums:?}");
    for (name, spec) in enums {
        let mut values: Vec<&str> = spec.values.iter().map(String::as_str).collect();
        values.push("bogus-value");
        let mut steps_seen = BTreeSet::new();
        for value in values {
            let inv = inventory::parse(
                Path::new("inv.yml"),
                &format!("pairs:\n  - {{ name: p, origin: {{ host: 192.0.2.1 }}, target: {{ host: 192.0.2.2 }}, vars: {{ {name}: {value} }} }}\n"),
            )
            .unwrap();
            let plan = plan_pair(&inv, &inv.pairs[0], &role, &phases, false).unwrap();
            for step in
                plan.steps.iter().filter(|s| s.step.uses.contains(name.as_str()) && s.skipped.is_none())
            {
                steps_seen.insert(step.step.name.clone());
                let (code, stderr) = run_confined(step.script.as_deref().unwrap());
                let refused =
                    stderr.contains(&format!("{name} is `{value}`, which this step does not handle"));
                if value == "bogus-value" {
                    assert!(
                        refused && code == 2 && !stderr.contains("EXTERNAL"),
                        "step `{}` with {name}: {value}: exit {code}\n{stderr}",
                        step.label
                    );
                } else {
                    assert!(!refused, "step `{}` refused {name}: {value}\n{stderr}", step.label);
                }
            }
        }
        assert!(!steps_seen.is_empty(), "no step reads {name}");
        let expected: &[&str] = match name.as_str() {
            "cutover_mode" => &["stop origin for good", "release origin address", "take origin address"],
            "final_rsync" => &["final rsync", "origin changes", "target changes"],
            _ => &[],
        };
        for step in expected {
            assert!(steps_seen.contains(*step), "{name}: `{step}` not checked (checked: {steps_seen:?})");
        }
    }
}

/// Run `script` with bash, as `nobody` when we are root, with no PATH: the first external
/// command prints `EXTERNAL name` and kills the script (bash runs `command_not_found_handle` in a
/// subshell, whose `exit` would not stop it).
fn run_confined(script: &str) -> (i32, String) {
    let prelude = "command_not_found_handle() { echo \"EXTERNAL $1\" >&2; kill -KILL $$; }\n";
    let mut command = if nix_is_root() {
        let mut c = std::process::Command::new("/usr/bin/setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/bash", "-c"]);
        c
    } else {
        let mut c = std::process::Command::new("/bin/bash");
        c.arg("-c");
        c
    };
    let out = command
        .arg(format!("{prelude}{script}"))
        .env_clear()
        .env("PATH", "/nonexistent")
        .current_dir("/")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    (out.status.code().unwrap_or(137), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn nix_is_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0).unwrap_or(false)
}

/// Issue #27: a `BMFLEET-MANUAL:` line is an action only from a step declared
/// `manual_actions: true`. Every step of the BlueMind role that can print one declares it, and
/// no other does (each declared step is a channel from its host to the operator). A step can
/// print one when its shell, with the role's includes expanded, prints the prefix or calls what
/// prints it: `manual` (lib/core-api.sh). A host-state guard's refusal under
/// `--unsafe-override-host-state` is a warning on stderr (lib/host-state.sh), not an action.
#[test]
fn every_step_of_the_bluemind_role_that_prints_manual_actions_declares_them() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("roles/bluemind");
    let yml: serde_json::Value =
        serde_saphyr::from_str(&std::fs::read_to_string(root.join("role.yml")).unwrap()).unwrap();
    // The libraries that define what prints: their definitions print nothing by themselves.
    const PRINTERS: [&str; 1] = ["templates/lib/core-api.sh"];
    fn expand(root: &Path, text: &str, out: &mut String) {
        for line in text.lines() {
            match line.trim().strip_prefix("{% include \"").and_then(|l| l.strip_suffix("\" %}")) {
                Some(lib) if PRINTERS.contains(&lib) => {}
                Some(lib) => expand(root, &std::fs::read_to_string(root.join(lib)).unwrap(), out),
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
    let prints = |shell: &str| {
        let words = ["BMFLEET-MANUAL", "manual "];
        shell.lines().map(|l| l.split('#').next().unwrap_or("")).any(|l| words.iter().any(|w| l.contains(w)))
    };
    let (mut undeclared, mut needless, mut declared) = (Vec::new(), Vec::new(), Vec::new());
    for phase in yml["phases"].as_array().unwrap() {
        for step in phase["steps"].as_array().unwrap() {
            let id = format!("{}/{}", phase["name"].as_str().unwrap(), step["name"].as_str().unwrap());
            let source = match (step["run"].as_str(), step["template"].as_str()) {
                (Some(run), _) => run.to_string(),
                (None, Some(file)) => std::fs::read_to_string(root.join(file)).unwrap(),
                (None, None) => String::new(),
            };
            let mut shell = String::new();
            expand(&root, &source, &mut shell);
            let is_declared = step["manual_actions"].as_bool() == Some(true);
            match (prints(&shell), is_declared) {
                (true, false) => undeclared.push(id),
                (false, true) => needless.push(id),
                (true, true) => declared.push(id),
                (false, false) => {}
            }
        }
    }
    assert!(
        undeclared.is_empty(),
        "steps that print BMFLEET-MANUAL without `manual_actions: true`: {undeclared:#?}"
    );
    assert!(needless.is_empty(), "steps declaring `manual_actions` that print none: {needless:#?}");
    for step in ["cutover/tell the operator", "post/firewall", "post/my networks"] {
        assert!(declared.iter().any(|d| d == step), "{step}: {declared:#?}");
    }
}

/// `manual_actions:` declares what a step's shell prints: a step without one is refused.
#[test]
fn manual_actions_need_a_shell() {
    let err = TestRole::new(
        "name: t\nphases:\n  - name: p\n    steps:\n      - { name: a, manual_actions: true, assert: { that: 'true', message: m } }\n",
    )
    .error();
    assert!(err.contains("step `p/a` has `manual_actions` but no shell to print them"), "{err}");
    let role = TestRole::new(
        "name: t\nphases:\n  - name: p\n    steps:\n      - { name: a, on: target, manual_actions: true, run: echo }\n",
    );
    assert!(role.load().unwrap().phases[0].steps[0].manual_actions);
}

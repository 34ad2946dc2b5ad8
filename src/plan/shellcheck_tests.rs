//! shellcheck on every script the BlueMind role renders (issue 27, item 7): the role is about
//! 2,100 lines of shell run as root on customers' servers, and a quoting slip there is a
//! correctness or safety bug no fleet test may happen to reach. The example inventory is planned
//! with every phase (the standalone rollback included), once for each value of every enumerated
//! variable, so that each branch a template takes on `cutover_mode` or `final_rsync` is checked.
//!
//! Each distinct script is checked as the executor runs it (src/exec/attempt.rs: bash, `set -eo
//! pipefail`, then the script). A finding is fixed in the template, or excluded there with
//! `# shellcheck disable=SCxxxx # why` next to the line; the test's only exclusion of its own is
//! on the preamble bmfleet writes, not a template ([`excluded`]). It fails, never skips, when
//! shellcheck is missing (.ci/run installs it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::plan_pair;
use crate::inventory;

/// What the executor puts before every script (src/exec/attempt.rs, `wrapper`): shellcheck is told
/// the shell, and sees the options the script runs under.
const HEADER: &str = "# shellcheck shell=bash\nset -eo pipefail\n";

/// `BMF_n`, a variable of the preamble bmfleet writes at the top of every script.
fn is_binding(name: &str) -> bool {
    name.strip_prefix("BMF_").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A script with its values left out: the preamble's `BMF_n=...` lines (src/role/escape.rs) keep
/// only whether they bind a word or a list. Pairs and loop items that differ only in their values
/// share a shape, and shellcheck, slow on the role's long scripts, reads each shape once.
fn shape(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    for line in script.lines() {
        match line.split_once('=') {
            Some((name, value)) if is_binding(name) => {
                out.push_str(name);
                out.push_str(if value.starts_with('(') { "=()" } else { "=" });
            }
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// Every distinct script the role renders for the example inventory, over every value of every
/// enumerated variable, one per [`shape`]: shape -> (the script, the first `pair: step` that
/// rendered it).
fn every_script() -> BTreeMap<String, (String, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let role = crate::role::load(&root.join("roles/bluemind")).unwrap();
    let base = inventory::load(&root.join("inventories/example.yml")).unwrap();
    let phases: Vec<String> = role.phase_names().into_iter().map(String::from).collect();
    let enums: Vec<(&String, &Vec<String>)> = role
        .var_specs
        .iter()
        .filter(|(_, s)| s.type_name().starts_with("one of "))
        .map(|(name, s)| (name, &s.values))
        .collect();
    let names: Vec<&str> = enums.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"cutover_mode") && names.contains(&"final_rsync"), "{names:?}");
    let mut scripts = BTreeMap::new();
    // One variable at a time, each of its values (the others at the inventory's): every branch.
    for (name, values) in &enums {
        for value in values.iter() {
            let mut inv = base.clone();
            for pair in &mut inv.pairs {
                pair.vars.insert(name.to_string(), serde_json::Value::String(value.clone()));
            }
            for pair in &inv.pairs {
                let plan = plan_pair(&inv, pair, &role, &phases, false)
                    .unwrap_or_else(|e| panic!("{}: {name}={value}: {e:?}", pair.name));
                let steps = plan.steps.iter().chain(plan.rollbacks.values().flatten());
                for step in steps {
                    if let Some(script) = &step.script {
                        let label = || format!("{}: {}", pair.name, step.label);
                        scripts.entry(shape(script)).or_insert_with(|| (script.clone(), label()));
                    }
                }
            }
        }
    }
    scripts
}

/// Findings on the lines bmfleet itself writes, not a template: the preamble's `BMF_n=value`
/// (src/shell.rs, through src/role/escape.rs) leaves a plain word unquoted, and shellcheck takes a value that is also a
/// command's name (`BMF_1=admin`) for a forgotten `$(...)` (SC2209). It is a string.
fn excluded(code: u32, line: &str) -> bool {
    code == 2209 && line.split_once('=').is_some_and(|(name, _)| is_binding(name))
}

/// One shellcheck finding, from its `json1` output.
#[derive(serde::Deserialize)]
struct Finding {
    file: String,
    line: usize,
    column: usize,
    level: String,
    code: u32,
    message: String,
}

#[derive(serde::Deserialize)]
struct Report {
    comments: Vec<Finding>,
}

fn shellcheck(files: &[PathBuf]) -> Report {
    let out = std::process::Command::new("shellcheck")
        .args(["--norc", "-s", "bash", "-f", "json1"])
        .args(files)
        .output()
        .unwrap_or_else(|e| {
            panic!("shellcheck could not run ({e}): install it (apt-get install shellcheck; .ci/run does)")
        });
    // Exit 1 only says there are findings; anything else is shellcheck failing.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "shellcheck failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("shellcheck's json1 output")
}

#[test]
fn every_rendered_step_of_the_bluemind_role_passes_shellcheck() {
    let scripts = every_script();
    assert!(scripts.len() > 50, "only {} scripts rendered", scripts.len());
    if let Ok(keep) = std::env::var("BMFLEET_SHELLCHECK_DUMP") {
        for (i, (script, label)) in scripts.values().enumerate() {
            std::fs::write(format!("{keep}/{i:03}.sh"), format!("# {label}\n{script}")).unwrap();
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut labels: BTreeMap<String, &str> = BTreeMap::new();
    for (i, (script, label)) in scripts.values().enumerate() {
        let path = dir.path().join(format!("{i:03}.sh"));
        let text = format!("{HEADER}{script}");
        std::fs::write(&path, &text).unwrap();
        labels.insert(path.display().to_string(), label.as_str());
        files.push(path);
    }
    let report = shellcheck(&files);
    let header_lines = HEADER.lines().count();
    let mut problems = Vec::new();
    for f in &report.comments {
        let label = labels.get(&f.file).copied().unwrap_or("?");
        let text = std::fs::read_to_string(Path::new(&f.file)).unwrap_or_default();
        let line = text.lines().nth(f.line - 1).unwrap_or("").trim();
        if excluded(f.code, line) {
            continue;
        }
        problems.push(format!(
            "{label} (rendered line {}:{}): {} SC{}: {}\n    {line}",
            f.line - header_lines,
            f.column,
            f.level,
            f.code,
            f.message
        ));
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} shellcheck findings in the BlueMind role's rendered steps (fix the template, or add \
         `# shellcheck disable=SCxxxx # why` next to the line):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

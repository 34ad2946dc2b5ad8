//! The layers `lib.rs` documents are the layers the code has: every `crate::` path outside tests
//! points to a module on its own line of the layers (to its left) or above, or is one of the
//! arrows back up that `lib.rs` lists with why. A new module, or a new arrow up, fails here
//! until `lib.rs` says where it stands.

use std::collections::BTreeSet;
use std::path::Path;

/// The layers block of `lib.rs`: each module with its rank, in order.
fn layers(lib: &str) -> Vec<String> {
    let mut lines = lib.lines().map(|l| l.trim_start_matches("//!").trim());
    lines.find(|l| *l == "# Layers").expect("lib.rs has a `# Layers` section");
    lines.find(|l| l.starts_with("```")).expect("the layers' block");
    let mut order = Vec::new();
    for line in lines.take_while(|l| !l.starts_with("```")) {
        let (_, modules) = line.split_once(':').expect("`name: modules` lines");
        order.extend(modules.split_whitespace().map(str::to_string));
    }
    order
}

/// The arrows back up `lib.rs` allows: its `` - `a -> b`: why `` lines.
fn allowed_up(lib: &str) -> BTreeSet<(String, String)> {
    lib.lines()
        .filter_map(|l| l.trim_start_matches("//!").trim().strip_prefix("- `"))
        .filter_map(|l| l.split_once('`').map(|(arrow, _)| arrow))
        .filter_map(|arrow| arrow.split_once(" -> "))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Source files of the crate that are not tests, with their top-level module.
fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if name != "tests" && name != "snapshots" {
                sources(&path, out);
            }
        } else if name.ends_with(".rs") && name != "tests.rs" && !name.ends_with("_tests.rs") {
            let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
            let rel = path.strip_prefix(&src).unwrap();
            let top = rel.components().next().unwrap().as_os_str().to_string_lossy();
            let module = top.trim_end_matches(".rs").to_string();
            let text = std::fs::read_to_string(&path).unwrap();
            // A file's own tests sit at its end, after `#[cfg(test)] mod tests`.
            let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
            out.push((module, code.to_string()));
        }
    }
}

/// The top-level modules a piece of code names as `crate::NAME` (or in `crate::{A, B}`).
fn uses(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for line in code.lines().map(|l| l.split("//").next().unwrap_or_default()) {
        for (i, _) in line.match_indices("crate::") {
            let rest = &line[i + "crate::".len()..];
            let names = match rest.strip_prefix('{') {
                Some(group) => group.split('}').next().unwrap_or_default().split(',').collect(),
                None => vec![rest],
            };
            for name in names {
                let name: String =
                    name.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    used.insert(name);
                }
            }
        }
    }
    used
}

#[test]
fn every_arrow_runs_down_the_layers_lib_rs_documents() {
    let lib = include_str!("lib.rs");
    let order = layers(lib);
    let rank = |m: &str| order.iter().position(|o| o == m);
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub(crate) mod ").and_then(|m| m.strip_suffix(';')))
        .collect();
    let unplaced: Vec<&&str> = declared.iter().filter(|m| rank(m).is_none()).collect();
    assert!(unplaced.is_empty(), "modules with no place in lib.rs's layers: {unplaced:?}");

    let allowed = allowed_up(lib);
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut up = BTreeSet::new();
    for (module, code) in &files {
        let Some(from) = rank(module) else { continue };
        for used in uses(code) {
            if let Some(to) = rank(&used)
                && to > from
            {
                up.insert((module.clone(), used));
            }
        }
    }
    let unexplained: Vec<_> = up.difference(&allowed).collect();
    assert!(unexplained.is_empty(), "arrows back up that lib.rs does not list with why: {unexplained:?}");
    let gone: Vec<_> = allowed.difference(&up).collect();
    assert!(gone.is_empty(), "arrows back up lib.rs lists that the code no longer has: {gone:?}");
    assert!(allowed.len() <= 3, "at most three arrows back up: {allowed:?}");
}

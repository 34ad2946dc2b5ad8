//! Embeds `roles/bluemind` in the binary (see `src/role/files.rs`): every file under it, found
//! here, so a new template is built in without anyone keeping a list. Also names the commit the
//! binary is built from, for `bmfleet --version` (`BMFLEET_COMMIT`).

use std::path::{Path, PathBuf};

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("roles/bluemind");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut out = String::from("&[\n");
    for path in &files {
        let rel = path.strip_prefix(&root).expect("under the role").to_string_lossy().replace('\\', "/");
        out.push_str(&format!("    ({rel:?}, include_str!({:?})),\n", path.display().to_string()));
    }
    out.push_str("]\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it")).join("builtin_bluemind.rs");
    std::fs::write(dest, out).expect("write the list of built-in role files");
    commit();
}

/// `commit 1a2b3c4d5e6f, 2026-12-07` from git, when the sources are a git checkout of their
/// own; `unknown commit` from a tarball (or a checkout without git installed). A packager who
/// knows the commit may set `BMFLEET_COMMIT` instead.
fn commit() {
    println!("cargo:rerun-if-env-changed=BMFLEET_COMMIT");
    let described = match std::env::var("BMFLEET_COMMIT") {
        Ok(given) if !given.trim().is_empty() => format!("commit {}", given.trim()),
        _ => from_git().unwrap_or_else(|| "unknown commit".to_string()),
    };
    println!("cargo:rustc-env=BMFLEET_COMMIT={described}");
}

fn from_git() -> Option<String> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").ok()?);
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git").arg("-C").arg(&root).args(args).output().ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
    };
    // A tarball unpacked inside another repository must not take that repository's commit.
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?);
    if top.canonicalize().ok()? != root.canonicalize().ok()? {
        return None;
    }
    // Built again when HEAD moves: HEAD itself, the branch it names, and the packed refs.
    for name in ["HEAD", "packed-refs"] {
        rerun_if_exists(git(&["rev-parse", "--git-path", name]));
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        rerun_if_exists(git(&["rev-parse", "--git-path", &branch]));
    }
    let line = git(&["log", "-1", "--no-show-signature", "--abbrev=12", "--format=%h %cs"])?;
    let (hash, date) = line.split_once(' ')?;
    Some(format!("commit {hash}, {date}"))
}

/// Only files that exist: a missing one would make cargo run this script on every build.
fn rerun_if_exists(path: Option<String>) {
    if let Some(path) = path.map(PathBuf::from).filter(|p| p.exists()) {
        let path =
            if path.is_relative() { std::env::current_dir().unwrap_or_default().join(path) } else { path };
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("roles/bluemind is readable").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, files);
        } else {
            println!("cargo:rerun-if-changed={}", path.display());
            files.push(path);
        }
    }
}

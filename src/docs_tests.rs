//! The README and the pages of docs/ link to each other, to files of the repository and to
//! headings: every relative link must reach an existing file, and every `#anchor` a heading of
//! its page (as GitHub names it), so that moving a section or a file cannot leave a dead link.
//! The tables these pages share with the code are held by the tests next to that code
//! (`role/schema.rs`, `commands/roles.rs`, `ssh/settings.rs`); the README's two set-up commands
//! by tests/cli.rs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Pages the README and docs/ already link to, written on other branches: the customer's report
/// (docs/report.md) and running a role's own phases (docs/phases.md). A link to one of them is
/// accepted while it is missing; once it lands it is checked like any other, and its name
/// should leave this list.
const NOT_YET_WRITTEN: &[&str] = &[];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every `docs/*.md`, as paths relative to the repository.
fn pages() -> Vec<String> {
    let mut pages = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md"))
        .map(|n| format!("docs/{n}"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// The lines of a Markdown text outside fenced code blocks, with their numbers (from 1).
fn prose(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced {
            lines.push((i + 1, line));
        }
    }
    lines
}

/// A line without its code spans: a `[` or `](` between backquotes is no link.
fn without_code(line: &str) -> String {
    line.split('`').step_by(2).collect::<Vec<_>>().join("")
}

/// The targets of the inline links and images of a Markdown text, with their line numbers.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in prose(text) {
        let line = without_code(line);
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = after[..end].split_whitespace().next().unwrap_or_default();
            found.push((number, target.to_string()));
            rest = &after[end..];
        }
    }
    found
}

/// The anchor GitHub gives a heading: lower case, its punctuation dropped (but `-` and `_`),
/// each space a `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// Every anchor of a page's headings; a repeated heading gets `-1`, `-2`... as on GitHub.
fn anchors(text: &str) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut anchors = Vec::new();
    for (_, line) in prose(text) {
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if !(1..=6).contains(&hashes) || !line[hashes..].starts_with(' ') {
            continue;
        }
        let base = slug(&line[hashes..]);
        let n = seen.entry(base.clone()).or_insert(0);
        anchors.push(if *n == 0 { base.clone() } else { format!("{base}-{n}") });
        *n += 1;
    }
    anchors
}

/// `path` relative to the repository, `.` and `..` resolved by name.
fn normalize(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                parts.pop();
            }
            std::path::Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    parts.join("/")
}

#[test]
fn slugs_are_githubs() {
    assert_eq!(slug("Host patterns (`--limit`)"), "host-patterns---limit");
    assert_eq!(slug("How the databases travel: `db_sync`"), "how-the-databases-travel-db_sync");
    assert_eq!(slug("Reaching hosts: sudo, bastions, ssh config"), "reaching-hosts-sudo-bastions-ssh-config");
    assert_eq!(slug("Install, in full"), "install-in-full");
    assert_eq!(anchors("# A\n\n```\n# not a heading\n```\n## A\n#no\n"), ["a", "a-1"]);
    assert_eq!(
        links("[a](b.md#c) `[x](y)` ![i](p.png \"t\")\n```\n[z](w)\n```\n"),
        [(1, "b.md#c".to_string()), (1, "p.png".to_string())]
    );
}

/// Every relative link of the README and of docs/ reaches a file, and every anchor a heading.
#[test]
fn every_relative_link_of_the_readme_and_docs_reaches_a_file_and_a_heading() {
    let mut dead = Vec::new();
    let mut checked = 0;
    for page in pages() {
        let text = std::fs::read_to_string(repo().join(&page)).unwrap();
        let dir = Path::new(&page).parent().unwrap_or(Path::new(""));
        for (line, target) in links(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            let (file, anchor) =
                target.split_once('#').map_or((target.as_str(), None), |(f, a)| (f, Some(a)));
            let path = if file.is_empty() { page.clone() } else { normalize(&dir.join(file)) };
            let on_disk = repo().join(&path);
            if !on_disk.exists() {
                if !NOT_YET_WRITTEN.contains(&path.as_str()) || anchor.is_some() {
                    dead.push(format!("{page}:{line}: {target}: no file {path}"));
                }
                continue;
            }
            if let Some(anchor) = anchor {
                let heads = if path.ends_with(".md") && on_disk.is_file() {
                    anchors(&std::fs::read_to_string(&on_disk).unwrap())
                } else {
                    Vec::new()
                };
                if !heads.iter().any(|h| h == anchor) {
                    dead.push(format!("{page}:{line}: {target}: no heading `#{anchor}` in {path}"));
                }
            }
        }
    }
    assert!(checked > 40, "only {checked} links found: is the link reader broken?");
    assert!(dead.is_empty(), "dead links:\n{}", dead.join("\n"));
}

/// Each page of docs/ says first, in one sentence under its title, who needs it.
#[test]
fn every_page_of_docs_names_its_reader_first() {
    for page in pages().into_iter().filter(|p| p.starts_with("docs/")) {
        let text = std::fs::read_to_string(repo().join(&page)).unwrap();
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let title = lines.next().unwrap_or_default();
        assert!(title.starts_with("# "), "{page} starts with no `# ` title: {title}");
        let first = lines.next().unwrap_or_default();
        assert!(!first.starts_with('#') && !first.starts_with('|'), "{page}: no sentence under its title");
    }
}

/// The README points at every page of docs/ (its table of contents), and names the two that
/// other branches are writing.
#[test]
fn the_readme_links_every_page_of_docs() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let linked: Vec<String> = links(&readme).into_iter().map(|(_, t)| t).collect();
    let mut wanted: Vec<String> = pages().into_iter().filter(|p| p.starts_with("docs/")).collect();
    wanted.extend(NOT_YET_WRITTEN.iter().map(|p| p.to_string()));
    for page in wanted {
        assert!(linked.contains(&page), "README.md does not link {page}");
    }
}

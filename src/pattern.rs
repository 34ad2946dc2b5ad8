//! Host patterns for `--limit`, compatible with Ansible's where it makes sense.
//!
//! A pattern is a list of terms separated by `,` (or by `:` when there is no comma, as Ansible
//! does). Each term names pairs:
//!
//! | term        | selects                                                         |
//! |-------------|-----------------------------------------------------------------|
//! | `acme`      | the pair `acme`, or every pair of the group `acme`              |
//! | `all`       | every pair; `wave2`: every pair of wave 2                       |
//! | `acme-*`    | glob (`*`, `?`, `[a-z]`, `[!x]`) over pair and group names      |
//! | `~^ac.*e$`  | regular expression over pair and group names (unanchored)       |
//! | `@file`     | the names listed in a file, one per line, `#` comments          |
//! | `&term`     | intersection with what `term` selects                           |
//! | `!term`     | exclusion of what `term` selects                                |
//!
//! As in Ansible, terms apply in a fixed order whatever order they are written in: first the
//! plain terms (union), then the `&` terms, then the `!` terms; a pattern made only of `&`/`!`
//! terms starts from `all`. A term that selects nothing is an error, with the closest names as
//! suggestions: a typo in `--limit` must never turn into "migrate nothing" or "migrate more".
//! So is a pattern whose terms each match but together select no pair (`wave1:&wave2`).

use std::collections::BTreeSet;
use std::path::PathBuf;

use regex::Regex;

use crate::diag::{Diagnostic, Location};
use crate::error::{Error, Result};
use crate::inventory::{Inventory, wave_group};
use crate::suggest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Union,
    Intersect,
    Exclude,
}

#[derive(Debug, Clone)]
pub enum Matcher {
    /// An exact pair or group name.
    Name(String),
    Glob(Regex),
    Regex(Regex),
    /// Names read from a file (each line an exact name), kept with their line numbers.
    File(PathBuf, Vec<(usize, String)>),
}

#[derive(Debug, Clone)]
pub struct Term {
    pub op: Op,
    pub text: String,
    pub matcher: Matcher,
}

/// Parse a pattern. `@file` paths are relative to the current directory.
pub fn parse(pattern: &str) -> Result<Vec<Term>> {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return Err(Error::input(
            Diagnostic::new("--limit: the pattern is empty").help("use `all` to select every pair"),
        ));
    }
    let separator = if pattern.contains(',') { ',' } else { ':' };
    pattern.split(separator).map(|t| parse_term(t.trim(), pattern)).collect()
}

fn parse_term(text: &str, whole: &str) -> Result<Term> {
    let (op, body) = match text.as_bytes().first() {
        Some(b'&') => (Op::Intersect, &text[1..]),
        Some(b'!') => (Op::Exclude, &text[1..]),
        _ => (Op::Union, text),
    };
    if body.is_empty() {
        return Err(Error::input(
            Diagnostic::new(format!("--limit `{whole}`: empty term"))
                .help("terms are separated by `,` or `:`; check for a doubled or trailing separator"),
        ));
    }
    let matcher =
        if let Some(re) = body.strip_prefix('~') {
            Matcher::Regex(Regex::new(re).map_err(|e| {
                Error::usage(format!("--limit: `{text}` is not a valid regular expression: {e}"))
            })?)
        } else if let Some(file) = body.strip_prefix('@') {
            let path = PathBuf::from(file);
            let content = std::fs::read_to_string(&path)
                .map_err(|source| Error::Read { path: path.clone(), source })?;
            Matcher::File(path, names_in_file(&content))
        } else if body.contains(['*', '?', '[']) {
            Matcher::Glob(
                glob_to_regex(body)
                    .map_err(|e| Error::usage(format!("--limit: `{text}` is not a valid glob: {e}")))?,
            )
        } else {
            Matcher::Name(body.to_string())
        };
    Ok(Term { op, text: text.to_string(), matcher })
}

/// Lines of a retry file: one name each, `#` starts a comment, blank lines are skipped.
fn names_in_file(content: &str) -> Vec<(usize, String)> {
    content
        .lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let name = line.split('#').next().unwrap_or("").trim();
            (!name.is_empty()).then(|| (i + 1, name.to_string()))
        })
        .collect()
}

fn glob_to_regex(glob: &str) -> std::result::Result<Regex, regex::Error> {
    let mut re = String::from("^");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' => {
                re.push('[');
                if chars.peek() == Some(&'!') {
                    chars.next();
                    re.push('^');
                }
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    if c == '\\' || c == '[' {
                        re.push('\\');
                    }
                    re.push(c);
                }
                re.push(']');
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    Regex::new(&re)
}

/// Select the pairs a pattern names, as indices into `inventory.pairs`, in inventory order.
pub fn select(inventory: &Inventory, pattern: &str) -> Result<Vec<usize>> {
    let terms = parse(pattern)?;
    let ordered = [Op::Union, Op::Intersect, Op::Exclude]
        .into_iter()
        .flat_map(|op| terms.iter().filter(move |t| t.op == op));
    let all: BTreeSet<usize> = (0..inventory.pairs.len()).collect();
    let mut selected: Option<BTreeSet<usize>> = None;
    let mut emptied_by: Option<&Term> = None;
    for term in ordered {
        let matched = matches(inventory, term)?;
        let current = selected.take();
        let next: BTreeSet<usize> = match term.op {
            Op::Union => current.unwrap_or_default().union(&matched).copied().collect(),
            Op::Intersect => current.unwrap_or_else(|| all.clone()).intersection(&matched).copied().collect(),
            Op::Exclude => current.unwrap_or_else(|| all.clone()).difference(&matched).copied().collect(),
        };
        if next.is_empty() && emptied_by.is_none() {
            emptied_by = Some(term);
        }
        selected = Some(next);
    }
    let selected = selected.unwrap_or_default();
    if selected.is_empty() {
        return Err(Error::input(selects_nothing(inventory, pattern, emptied_by)));
    }
    Ok(selected.into_iter().collect())
}

/// Each term matched pairs, but together they leave none: an empty selection is never what the
/// operator meant (a run of nothing that "succeeds", or a retry list that retries nothing).
fn selects_nothing(inventory: &Inventory, pattern: &str, emptied_by: Option<&Term>) -> Diagnostic {
    let what = format!("--limit `{}` selects no pair of {}", pattern.trim(), inventory.path.display());
    let which = match emptied_by {
        Some(term) => format!("each term matches pairs, but none is left once `{}` applies", term.text),
        None => "each term matches pairs, but together they leave none".to_string(),
    };
    Diagnostic::new(what).help(format!(
        "{which} (plain terms unite, then `&` terms intersect, then `!` terms exclude); \
         `bmfleet inventory graph -i INVENTORY` lists every group and wave with its pairs"
    ))
}

/// Every name a term can match: pairs, defined groups, `all`, and the waves in use.
fn group_names(inventory: &Inventory) -> Vec<String> {
    let mut names: Vec<String> = inventory.groups.iter().map(|g| g.name.clone()).collect();
    names.push("all".to_string());
    names.extend(inventory.waves().into_iter().map(wave_group));
    names
}

fn matches(inventory: &Inventory, term: &Term) -> Result<BTreeSet<usize>> {
    let groups = group_names(inventory);
    let members = |pred: &dyn Fn(&str) -> bool| -> BTreeSet<usize> {
        let matching_groups: Vec<&String> = groups.iter().filter(|g| pred(g)).collect();
        inventory
            .pairs
            .iter()
            .enumerate()
            .filter(|(_, p)| pred(&p.name) || matching_groups.iter().any(|g| p.in_group(g)))
            .map(|(i, _)| i)
            .collect()
    };
    let found = match &term.matcher {
        Matcher::Name(name) => members(&|n| n == name),
        Matcher::Glob(re) | Matcher::Regex(re) => members(&|n| re.is_match(n)),
        Matcher::File(path, names) => {
            let mut found = BTreeSet::new();
            for (line, name) in names {
                let hit = members(&|n| n == name);
                if hit.is_empty() {
                    let diag = Diagnostic::new(format!("`{name}` names no pair or group of the inventory"))
                        .at(Location::new(path, *line, 1), None);
                    return Err(Error::input(with_suggestions(diag, inventory, &groups, name)));
                }
                found.extend(hit);
            }
            found
        }
    };
    if found.is_empty() {
        let what = match &term.matcher {
            Matcher::File(path, _) => format!("--limit: `{}` lists no names", path.display()),
            _ => format!("--limit: `{}` matches no pair or group of {}", term.text, inventory.path.display()),
        };
        let typed = term.text.trim_start_matches(['&', '!', '~', '@']);
        return Err(Error::input(with_suggestions(Diagnostic::new(what), inventory, &groups, typed)));
    }
    Ok(found)
}

fn with_suggestions(diag: Diagnostic, inventory: &Inventory, groups: &[String], typed: &str) -> Diagnostic {
    let candidates = inventory.pairs.iter().map(|p| p.name.as_str()).chain(groups.iter().map(|g| g.as_str()));
    let close = suggest::ranked(typed, candidates, 3);
    if close.is_empty() {
        diag.help("`bmfleet inventory graph -i INVENTORY` lists every pair, group and wave")
    } else {
        let list: Vec<String> = close.iter().map(|c| format!("`{c}`")).collect();
        diag.help(format!("did you mean {}?", list.join(" or ")))
    }
}

#[cfg(test)]
mod tests;

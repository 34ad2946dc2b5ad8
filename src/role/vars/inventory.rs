//! Every variable an inventory sets (its own `vars:`, each group's, each pair's), checked against
//! the role's declarations once, where it was written: a typo in a group's vars is reported once
//! at its line, not once per pair of the group, and a group no selected pair uses is checked too
//! (today's unused group is tomorrow's `--limit`).

use std::collections::HashMap;
use std::path::PathBuf;

use super::VarSpecs;
use crate::diag::{Diagnostic, Location};
use crate::inventory::{Inventory, VarSource};

/// Every refusal of the inventory's variables by the role `role` declaring `specs`: a name the
/// role does not declare (with the closest declared names), a value of the wrong type or outside
/// its enumeration or range. Sorted by place in the file.
pub fn check_inventory(role: &str, specs: &VarSpecs, inventory: &Inventory) -> Vec<Diagnostic> {
    let mut sources = HashMap::<PathBuf, Option<String>>::new();
    let mut found: Vec<(Location, Diagnostic)> = Vec::new();
    for ((source, owner, name), span) in &inventory.spans {
        let Some(value) = value_of(inventory, source, owner, name) else { continue };
        let layer = match source {
            VarSource::Pair => format!("vars of pair {owner}"),
            other => other.to_string(),
        };
        let mut diagnose = |location: Location, message: String, help: String| {
            let text = sources
                .entry(location.file.clone())
                .or_insert_with(|| std::fs::read_to_string(&location.file).ok());
            let diag = Diagnostic::new(message).at(location.clone(), text.as_deref()).help(help);
            found.push((location, diag));
        };
        let Some(spec) = specs.get(name) else {
            let close = crate::suggest::ranked(name, specs.keys().map(String::as_str), 3);
            let help = match close.as_slice() {
                [] => "`bmfleet roles show` lists the variables the role declares".to_string(),
                names => format!(
                    "did you mean {}? `bmfleet roles show` lists the variables the role declares",
                    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" or ")
                ),
            };
            let message = format!("`{name}` ({layer}) is no variable of role `{role}`");
            diagnose(span.name_at.clone().unwrap_or_else(|| span.at.clone()), message, help);
            continue;
        };
        let at = |i: Option<usize>| i.map_or(&span.at, |i| span.item(i)).clone();
        for (location, message) in spec.check(name, value, &at) {
            diagnose(location, format!("{message} ({layer})"), format!("expected {}", spec.expected()));
        }
    }
    found.sort_by(|(a, _), (b, _)| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    found.into_iter().map(|(_, d)| d).collect()
}

fn value_of<'a>(
    inventory: &'a Inventory,
    source: &VarSource,
    owner: &str,
    name: &str,
) -> Option<&'a serde_json::Value> {
    match source {
        VarSource::Role => None,
        VarSource::Inventory => inventory.vars.get(name),
        VarSource::Group(group) => inventory.group(group)?.vars.get(name),
        VarSource::Pair => inventory.pair(owner)?.vars.get(name),
    }
}

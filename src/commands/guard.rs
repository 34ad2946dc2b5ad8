//! Selections too wide for what their phases do, refused before anything is written or connects.
//!
//! A forgotten `--limit` selects every pair of the inventory. For most phases that is the point;
//! for some it would take a whole fleet down at once. The role says which (the engine knows no
//! phase by name): `needs_limit: true` phases run only on the pairs `--limit` names (a rollback
//! must name its pairs), and `stops_services: true` phases on more than one wave need `--limit`
//! or `--yes`. Under `--check` nothing changes on the hosts, so nothing is refused.

use std::collections::BTreeSet;

use crate::diag::Diagnostic;
use crate::error::{Error, Result};
use crate::inventory::Inventory;
use crate::role::{Phase, Role};

/// What a command is about to run, on which pairs, and what the operator said.
pub struct Selected<'a> {
    pub role: &'a Role,
    /// Every phase the command may run (for `migrate`, its sequence from `--from-phase`).
    pub phases: &'a [String],
    pub inventory: &'a Inventory,
    pub pairs: &'a [usize],
    /// `--limit` was given (whatever it says; an empty selection is refused before this).
    pub limited: bool,
    pub yes: bool,
    pub check: bool,
}

pub fn check(sel: &Selected<'_>) -> Result<()> {
    if sel.check || sel.limited {
        return Ok(());
    }
    let declared = |flag: fn(&Phase) -> bool| {
        sel.phases.iter().find(|name| sel.role.phase(name).is_some_and(flag)).map(String::as_str)
    };
    if let Some(phase) = declared(|p| p.needs_limit) {
        return Err(Error::input(
            Diagnostic::new(format!(
                "phase `{phase}` runs only on the pairs --limit names, and there is no --limit"
            ))
            .help(format!(
                "name the pairs, e.g. --limit PAIR or --limit @runs/<id>/failed.txt (role `{}` declares \
                     `needs_limit: true` for `{phase}`: it never runs on a whole inventory by accident)",
                sel.role.name
            )),
        ));
    }
    let waves: BTreeSet<u32> = sel.pairs.iter().map(|&i| sel.inventory.pairs[i].wave).collect();
    if sel.yes || waves.len() < 2 {
        return Ok(());
    }
    let Some(phase) = declared(|p| p.stops_services) else { return Ok(()) };
    let list: Vec<String> = waves.iter().map(u32::to_string).collect();
    Err(Error::input(
        Diagnostic::new(format!(
            "phase `{phase}` stops services, and with no --limit this run takes it to every pair, on {} waves ({}) of {}",
            waves.len(),
            list.join(", "),
            sel.inventory.path.display()
        ))
        .help(format!(
            "name the pairs or the wave with --limit (e.g. --limit wave{}), or pass --yes to run it on every wave",
            list[0]
        )),
    ))
}

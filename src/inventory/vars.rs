//! Variable precedence, in one place: pair > groups (in the order the pair lists them) >
//! inventory-wide vars > role defaults. Each merged value remembers where it came from, so
//! `bmfleet inventory list --pair X` can answer "why does this pair get that value?".

use std::collections::BTreeMap;
use std::fmt;

use super::{Inventory, Pair};

pub type Vars = BTreeMap<String, serde_json::Value>;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum VarSource {
    Role,
    Inventory,
    Group(String),
    Pair,
}

impl fmt::Display for VarSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VarSource::Role => write!(f, "role default"),
            VarSource::Inventory => write!(f, "inventory vars"),
            VarSource::Group(g) => write!(f, "group {g}"),
            VarSource::Pair => write!(f, "pair vars"),
        }
    }
}

/// The variables one pair's templates see, each with its source.
pub fn merged_vars(
    inventory: &Inventory,
    pair: &Pair,
    role_defaults: &Vars,
) -> BTreeMap<String, (serde_json::Value, VarSource)> {
    let mut merged = BTreeMap::new();
    let mut layer = |vars: &Vars, source: VarSource| {
        for (name, value) in vars {
            merged.insert(name.clone(), (value.clone(), source.clone()));
        }
    };
    layer(role_defaults, VarSource::Role);
    layer(&inventory.vars, VarSource::Inventory);
    // The first listed group wins over later ones, so apply them last to first.
    for g in pair.groups.iter().rev() {
        if let Some(group) = inventory.group(g) {
            layer(&group.vars, VarSource::Group(g.clone()));
        }
    }
    layer(&pair.vars, VarSource::Pair);
    merged
}

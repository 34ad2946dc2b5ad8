//! The inventory: which origin/target pairs exist, how to reach their hosts, which groups and
//! waves they belong to, and the variables the role templates see.
//!
//! `load` reads and validates the YAML (see `schema.rs` for the file as written and `load.rs` for
//! the checks); the rest of bmfleet only ever sees the validated [`Inventory`].

mod endpoint;
mod load;
pub mod located;
mod recover;
mod report;
mod schema;
mod vars;

use std::path::PathBuf;

pub use load::{RESERVED_VARS, is_identifier, load_with};
#[cfg(test)]
pub use load::{load, parse, parse_with};
pub use report::ReportSettings;
pub use vars::{VarSource, Vars, merged_vars};

use crate::diag::Location;
use crate::ssh::Endpoint;

/// A validated inventory.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub path: PathBuf,
    pub vars: Vars,
    /// Groups in alphabetical order.
    pub groups: Vec<Group>,
    /// Pairs in the order the file lists them.
    pub pairs: Vec<Pair>,
    /// Where each variable's value was written (see [`Inventory::value_span`]).
    pub spans: VarSpans,
    /// The customer's report: time zone, MSP name and logo (`report:`).
    pub report: ReportSettings,
}

/// Where each variable's value was written, by layer (`VarSource` plus the group or pair name)
/// and variable name.
pub type VarSpans = std::collections::BTreeMap<(VarSource, String, String), located::ValueSpan>;

#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub description: Option<String>,
    pub vars: Vars,
}

/// One tenant: the server being migrated (origin) and its replacement (target).
#[derive(Debug, Clone)]
pub struct Pair {
    pub name: String,
    /// The tenant's name for the customer (`display_name:`), when it is not `name`.
    pub display_name: Option<String>,
    pub wave: u32,
    /// Groups in the order the pair lists them (this order is the variable precedence).
    pub groups: Vec<String>,
    pub origin: Endpoint,
    pub target: Endpoint,
    pub vars: Vars,
    pub location: Location,
}

/// Which host of a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Origin,
    Target,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Origin => "origin",
            Side::Target => "target",
        }
    }
}

impl Pair {
    pub fn endpoint(&self, side: Side) -> &Endpoint {
        match side {
            Side::Origin => &self.origin,
            Side::Target => &self.target,
        }
    }

    /// Is the pair in group `name`? `all` and `waveN` are implicit groups.
    pub fn in_group(&self, name: &str) -> bool {
        name == "all" || self.groups.iter().any(|g| g == name) || wave_group(self.wave) == name
    }
}

/// The implicit group of a wave: wave 2 is `wave2`.
pub fn wave_group(wave: u32) -> String {
    format!("wave{wave}")
}

impl Inventory {
    pub fn pair(&self, name: &str) -> Option<&Pair> {
        self.pairs.iter().find(|p| p.name == name)
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// Waves in ascending order.
    pub fn waves(&self) -> Vec<u32> {
        let mut waves: Vec<u32> = self.pairs.iter().map(|p| p.wave).collect();
        waves.sort_unstable();
        waves.dedup();
        waves
    }
}

#[cfg(test)]
mod tests;

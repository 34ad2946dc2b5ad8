//! The inventory: which origin/target pairs exist, how to reach their hosts, which groups and
//! waves they belong to, and the variables the role templates see.
//!
//! `load` reads and validates the YAML (see `schema.rs` for the file as written and `load.rs` for
//! the checks); the rest of bmfleet only ever sees the validated [`Inventory`].

mod endpoint;
mod load;
pub mod located;
mod recover;
mod schema;
mod vars;

use std::path::PathBuf;
use std::time::Duration;

pub use load::{RESERVED_VARS, is_identifier, load_with};
#[cfg(test)]
pub use load::{load, parse, parse_with};
pub use vars::{VarSource, Vars, merged_vars};

use crate::diag::Location;

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

/// Everything needed to open an SSH connection to one host, with defaults already applied.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// The host as the inventory names it (shown to operators, matched in ssh config).
    pub host: String,
    /// Where to connect and what known_hosts is checked for: ssh config's HostName, else host.
    pub address: String,
    pub port: u16,
    pub user: String,
    /// `None`: use the ssh-agent, then the usual default keys.
    pub identity_file: Option<PathBuf>,
    /// The known_hosts file learnt keys are written to (the first `UserKnownHostsFile`).
    pub known_hosts: PathBuf,
    /// Further known_hosts files read, never written: the other `UserKnownHostsFile`s and the
    /// `GlobalKnownHostsFile`s (by default `/etc/ssh/ssh_known_hosts{,2}`), as OpenSSH reads.
    pub known_hosts_also: Vec<PathBuf>,
    pub connect_timeout: Duration,
    /// ssh config's `StrictHostKeyChecking accept-new` (or `no`): record unknown host keys. A
    /// changed key is refused whatever this says.
    pub accept_new_host_keys: bool,
    /// Jump hosts, first to last.
    pub jump: Vec<Hop>,
    pub r#become: Option<Become>,
    /// Where each connection setting came from: field -> "host", "group NAME", "defaults",
    /// "ssh config FILE:LINE" or "built-in".
    pub sources: std::collections::BTreeMap<&'static str, String>,
}

/// A jump host on the way to a host.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hop {
    pub user: String,
    pub host: String,
    pub port: u16,
    /// From the jump host's own ssh config block, when it sets them (else the host's own).
    pub identity_file: Option<PathBuf>,
    pub known_hosts: Option<(PathBuf, Vec<PathBuf>)>,
}

impl Hop {
    pub fn display(&self) -> String {
        format!("{}@{}:{}", self.user, self.host, self.port)
    }
}

/// Running steps through sudo.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Become {
    pub user: String,
    /// Environment variable holding the sudo password, if sudo wants one.
    pub password_env: Option<String>,
}

impl Endpoint {
    /// The key files this host and its jump hosts use (`None`: agent and default keys).
    pub fn identity_files(&self) -> impl Iterator<Item = Option<&std::path::Path>> {
        std::iter::once(self.identity_file.as_deref())
            .chain(self.jump.iter().filter_map(|h| h.identity_file.as_deref().map(Some)))
    }

    /// `user@host:port`, as shown to operators.
    pub fn display(&self) -> String {
        if self.port == 22 {
            format!("{}@{}", self.user, self.host)
        } else {
            format!("{}@{}:{}", self.user, self.host, self.port)
        }
    }
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

//! The inventory file exactly as written: serde structures that keep the source location of every
//! value we may need to complain about later. Unknown keys are refused by serde itself
//! (`deny_unknown_fields`), so a typo like `tagret:` is an error, never a silently ignored key.

use std::collections::HashMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

/// Variables as written: names keep their location so that a bad name can be pointed at.
pub type RawVars = HashMap<Spanned<String>, serde_json::Value>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInventory {
    #[serde(default)]
    pub defaults: Option<Spanned<RawEndpoint>>,
    #[serde(default)]
    pub vars: RawVars,
    #[serde(default)]
    pub groups: HashMap<Spanned<String>, RawGroup>,
    pub pairs: Vec<Spanned<RawPair>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub vars: RawVars,
    /// Connection settings for every host of the group's pairs (a bastion, a sudo user...).
    #[serde(default)]
    pub connection: Option<Spanned<RawEndpoint>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPair {
    pub name: Spanned<String>,
    #[serde(default)]
    pub wave: Option<Spanned<u32>>,
    #[serde(default)]
    pub groups: Vec<Spanned<String>>,
    pub origin: Spanned<RawEndpoint>,
    pub target: Spanned<RawEndpoint>,
    #[serde(default)]
    pub vars: RawVars,
}

/// How to reach one host. The same shape serves `defaults:` (where `host` must be absent), a
/// group's `connection:`, and each pair's `origin:`/`target:` (where `host` is required); the
/// most specific value wins: host > groups (in listed order) > defaults.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEndpoint {
    #[serde(default)]
    pub host: Option<Spanned<String>>,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub identity_file: Option<String>,
    #[serde(default)]
    pub known_hosts: Option<String>,
    /// Seconds to wait for the TCP connection and SSH handshake.
    #[serde(default)]
    pub connect_timeout: Option<u64>,
}

impl RawEndpoint {
    /// Fill every unset field of `self` from `fallback`.
    pub fn or(&self, fallback: &RawEndpoint) -> RawEndpoint {
        RawEndpoint {
            host: self.host.clone().or_else(|| fallback.host.clone()),
            port: self.port.or(fallback.port),
            user: self.user.clone().or_else(|| fallback.user.clone()),
            identity_file: self.identity_file.clone().or_else(|| fallback.identity_file.clone()),
            known_hosts: self.known_hosts.clone().or_else(|| fallback.known_hosts.clone()),
            connect_timeout: self.connect_timeout.or(fallback.connect_timeout),
        }
    }
}

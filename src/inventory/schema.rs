//! The inventory file exactly as written: serde structures that keep the source location of every
//! value we may need to complain about later. Unknown keys are refused by serde itself
//! (`deny_unknown_fields`), so a typo like `tagret:` is an error, never a silently ignored key.

use std::collections::HashMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

/// Variables as written: names keep their location so that a bad name can be pointed at, values
/// theirs (and their list items') so that a value the role refuses can be.
pub type RawVars = HashMap<Spanned<String>, Spanned<super::located::Located>>;

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
    /// `sudo`: run every step through `sudo -n` (for hosts without root logins).
    #[serde(default)]
    pub r#become: Option<Spanned<String>>,
    #[serde(default)]
    pub become_user: Option<Spanned<String>>,
    /// Name of an environment variable holding the sudo password, when sudo wants one.
    #[serde(default)]
    pub become_password_env: Option<Spanned<String>>,
    /// Jump hosts (`user@bastion:port`, or a list for a chain), like ssh's ProxyJump.
    #[serde(default)]
    pub jump: Option<Spanned<Hops>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Hops {
    One(String),
    Many(Vec<String>),
}

impl Hops {
    pub fn list(&self) -> Vec<String> {
        match self {
            Hops::One(s) if s == "none" => Vec::new(),
            Hops::One(s) => s.split(',').map(|h| h.trim().to_string()).collect(),
            Hops::Many(v) => v.clone(),
        }
    }
}

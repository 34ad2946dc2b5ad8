//! The inventory file exactly as written: serde structures that keep the source location of every
//! value we may need to complain about later. Unknown keys are refused by serde itself
//! (`deny_unknown_fields`), so a typo like `tagret:` is an error, never a silently ignored key.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
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
    /// What the customer's report shows besides the runs (`inventory/report.rs`).
    #[serde(default)]
    pub report: Option<super::report::RawReport>,
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
    /// The tenant's name as the customer reads it in the report (`ACME Corp`).
    #[serde(default)]
    pub display_name: Option<Spanned<String>>,
    #[serde(default)]
    pub wave: Option<Spanned<WaveNumber>>,
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
    pub port: Option<Port>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub identity_file: Option<String>,
    #[serde(default)]
    pub known_hosts: Option<String>,
    /// How long to wait for the TCP connection and SSH handshake: seconds, or a duration.
    #[serde(default)]
    pub connect_timeout: Option<ConnectTimeout>,
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

/// A scalar as the operator wrote it, for messages: `twenty-two`, `-1`, `2.5`.
enum Written<'a> {
    Unsigned(u64),
    Text(&'a str),
    Other(String),
}

impl fmt::Display for Written<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Written::Unsigned(n) => write!(f, "`{n}`"),
            Written::Text(s) => write!(f, "`{}`", s.escape_debug()),
            Written::Other(s) => write!(f, "`{s}`"),
        }
    }
}

/// The inventory's numbers, read with messages in the inventory's terms ("not a port: write a
/// number from 1 to 65535") instead of serde's (`invalid u16`). Each reads a scalar, quoted or
/// not, and hands it to `accept`.
trait Scalar: Sized {
    /// What the key expects, as the message's second half says it.
    const EXPECTED: &'static str;
    fn accept(written: &Written<'_>) -> Option<Self>;
}

struct ScalarVisitor<T>(std::marker::PhantomData<T>);

impl<T: Scalar> ScalarVisitor<T> {
    fn read<E: de::Error>(written: Written<'_>) -> Result<T, E> {
        T::accept(&written).ok_or_else(|| E::custom(format!("{written} is not {}", T::EXPECTED)))
    }
}

impl<'de, T: Scalar> Visitor<'de> for ScalarVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTED)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Self::read(Written::Unsigned(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        match u64::try_from(v) {
            Ok(v) => Self::read(Written::Unsigned(v)),
            Err(_) => Self::read(Written::Other(v.to_string())),
        }
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        Self::read(Written::Other(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<T, E> {
        Self::read(Written::Other(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        match v.trim().parse::<u64>() {
            Ok(n) => Self::read(Written::Unsigned(n)),
            Err(_) => Self::read(Written::Text(v)),
        }
    }
}

fn scalar<'de, D: Deserializer<'de>, T: Scalar>(deserializer: D) -> Result<T, D::Error> {
    deserializer.deserialize_any(ScalarVisitor(std::marker::PhantomData))
}

/// A TCP port, 1 to 65535 (0 is no port one can connect to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Port(pub u16);

impl Scalar for Port {
    const EXPECTED: &'static str = "a port: write a number from 1 to 65535";
    fn accept(written: &Written<'_>) -> Option<Self> {
        match written {
            Written::Unsigned(n) => u16::try_from(*n).ok().filter(|p| *p > 0).map(Port),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        scalar(deserializer)
    }
}

/// `wave: N`: a whole number; the pair joins the implicit group `waveN`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaveNumber(pub u32);

impl Scalar for WaveNumber {
    const EXPECTED: &'static str =
        "a wave number: write a whole number such as 1 or 2 (the pair joins the group `waveN`)";
    fn accept(written: &Written<'_>) -> Option<Self> {
        match written {
            Written::Unsigned(n) => u32::try_from(*n).ok().map(WaveNumber),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for WaveNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        scalar(deserializer)
    }
}

/// `connect_timeout`: seconds (`10`) or a duration (`30s`, `2m`, `1m30s`), the grammar of the
/// role's `timeout:` (`values::parse_duration`), so one file does not take `30s` where the other
/// refuses it. Zero is refused: it would time out before any connection could be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectTimeout(pub Duration);

impl Scalar for ConnectTimeout {
    const EXPECTED: &'static str = "a connect timeout: write seconds (10) or a duration (30s, 2m, 1m30s)";
    fn accept(written: &Written<'_>) -> Option<Self> {
        let duration = match written {
            Written::Unsigned(n) => Duration::from_secs(*n),
            Written::Text(s) => crate::values::parse_duration(s)?,
            Written::Other(_) => return None,
        };
        (!duration.is_zero()).then_some(ConnectTimeout(duration))
    }
}

impl<'de> Deserialize<'de> for ConnectTimeout {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        scalar(deserializer)
    }
}

#[cfg(test)]
mod tests {
    /// The inventory's connection keys are the connection's settings that the inventory may set
    /// (`ssh::settings::SETTINGS`): a key without its setting, or a setting without its key,
    /// fails here.
    #[test]
    fn connection_keys_are_the_settings_of_the_connection() {
        let mut keys = crate::keys_tests::keys_of::<super::RawEndpoint>();
        let mut settings: Vec<&str> = crate::ssh::settings::inventory_keys().collect();
        keys.sort_unstable();
        settings.sort_unstable();
        assert_eq!(keys, settings);
    }
}

//! How to reach one host, as the connection needs it: every setting resolved (by the inventory,
//! from its layers, the ssh config and the defaults of [`super::settings::SETTINGS`]), with
//! where each came from. The connection owns this shape; the inventory only fills it in.

use std::path::PathBuf;
use std::time::Duration;

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

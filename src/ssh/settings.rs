//! The connection's settings, declared once: each one's name, default, where it may be set and
//! what it means. The inventory's connection keys are these names (`inventory/schema.rs`'s
//! `RawEndpoint` is tested against them), `bmfleet inventory list --pair` shows a host's
//! settings in this order, and docs/inventory.md's table of connection settings is
//! [`markdown_table`]'s output (a test fails when they differ). A new setting starts here.
//!
//! The shape is pyinfra's: a connector declares its own settings with defaults and
//! descriptions, and the inventory only carries their values.

use super::endpoint::Endpoint;

/// The port when neither the inventory nor the ssh config sets one.
pub const DEFAULT_PORT: u16 = 22;
/// The user when neither the inventory nor the ssh config sets one.
pub const DEFAULT_USER: &str = "root";
/// The connect timeout when the inventory sets none, in seconds.
pub const DEFAULT_CONNECT_TIMEOUT_SECS: u64 = 10;
/// The user sudo runs steps as when `become_user` is not set.
pub const DEFAULT_BECOME_USER: &str = "root";

/// Where a setting may be written in the inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InInventory {
    /// Only under a pair's `origin:` and `target:`.
    Host,
    /// At any layer: the host, a group's `connection:`, or `defaults:`.
    Layers,
    /// Nowhere: it comes from the ssh config or is built in.
    No,
}

/// One connection setting.
#[cfg_attr(
    not(test),
    allow(
        dead_code,
        reason = "the documentation half of the table: the tests hold docs/inventory.md and the inventory's keys to it"
    )
)]
pub struct Setting {
    /// Its key in the inventory, and its name in `inventory list --pair`'s sources.
    pub name: &'static str,
    pub inventory: InInventory,
    /// The ssh config keyword that sets it when the inventory does not.
    pub ssh_config: Option<&'static str>,
    /// What applies when nothing sets it.
    pub default: &'static str,
    pub description: &'static str,
    /// Its row in `inventory list --pair`: the row's name and the value shown, `None` for no
    /// row (unset, or shown in another setting's row, as `become_user` is in `become`'s).
    pub shown: fn(&Endpoint) -> Option<(&'static str, String)>,
}

/// Every connection setting, in the order `inventory list --pair` shows them.
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: "host",
        inventory: InInventory::Host,
        ssh_config: None,
        default: "(required)",
        description: "the host as the inventory names it: shown to operators, and the name looked up in the ssh config",
        shown: |e| Some(("host", e.host.clone())),
    },
    Setting {
        name: "address",
        inventory: InInventory::No,
        ssh_config: Some("HostName"),
        default: "the host",
        description: "where to connect, and the name known_hosts is checked for",
        shown: |e| Some(("address", e.address.clone())),
    },
    Setting {
        name: "port",
        inventory: InInventory::Layers,
        ssh_config: Some("Port"),
        default: "22",
        description: "the SSH port, 1 to 65535",
        shown: |e| Some(("port", e.port.to_string())),
    },
    Setting {
        name: "user",
        inventory: InInventory::Layers,
        ssh_config: Some("User"),
        default: "root",
        description: "the user to log in as",
        shown: |e| Some(("user", e.user.clone())),
    },
    Setting {
        name: "identity_file",
        inventory: InInventory::Layers,
        ssh_config: Some("IdentityFile"),
        default: "ssh-agent, then `~/.ssh/id_{ed25519,ecdsa,rsa}`",
        description: "the private key to log in with",
        shown: |e| {
            let file = e.identity_file.as_ref().map_or_else(|| "-".into(), |p| p.display().to_string());
            Some(("identity_file", file))
        },
    },
    Setting {
        name: "known_hosts",
        inventory: InInventory::Layers,
        ssh_config: Some("UserKnownHostsFile"),
        default: "`~/.ssh/known_hosts{,2}`",
        description: "the known_hosts file learnt keys go to; with the ssh config, every file listed is read (and the `GlobalKnownHostsFile`s, by default `/etc/ssh/ssh_known_hosts{,2}`), learnt keys going to the first",
        shown: |e| Some(("known_hosts", e.known_hosts.display().to_string())),
    },
    Setting {
        name: "connect_timeout",
        inventory: InInventory::Layers,
        ssh_config: None,
        default: "10",
        description: "how long the TCP connection and the SSH handshake may take: seconds or a duration (`30s`, `2m`), counted from the handshake's turn (at most 64 at once)",
        shown: |e| Some(("connect_timeout", format!("{}s", e.connect_timeout.as_secs()))),
    },
    Setting {
        name: "jump",
        inventory: InInventory::Layers,
        ssh_config: Some("ProxyJump"),
        default: "none",
        description: "`user@bastion:port`: reach the host through a bastion (a list for a chain), like ssh's ProxyJump: a direct-tcpip channel of one bastion connection shared by every host behind it; the bastion's host key is verified as strictly as any host's, with the `IdentityFile` and `UserKnownHostsFile` of the bastion's own ssh config block when it sets them",
        shown: |e| {
            let hops: Vec<String> = e.jump.iter().map(|h| h.display()).collect();
            (!hops.is_empty()).then(|| ("jump", hops.join(" > ")))
        },
    },
    Setting {
        name: "become",
        inventory: InInventory::Layers,
        ssh_config: None,
        default: "none",
        description: "`sudo`: run every step through `sudo -n -u BECOME_USER` (for hosts without root logins). sudo's behaviour is probed once per host: if it wants a password and none is given, the pair fails with what to do (NOPASSWD, or `become_password_env`), never waiting on a prompt",
        shown: |e| {
            let b = e.r#become.as_ref()?;
            let how = match &b.password_env {
                Some(env) => format!("sudo as {} (password from ${env})", b.user),
                None => format!("sudo as {}", b.user),
            };
            Some(("become", how))
        },
    },
    Setting {
        name: "become_user",
        inventory: InInventory::Layers,
        ssh_config: None,
        default: "root",
        description: "the user sudo runs steps as",
        shown: |_| None,
    },
    Setting {
        name: "become_password_env",
        inventory: InInventory::Layers,
        ssh_config: None,
        default: "none",
        description: "`VAR`: the sudo password is read from the environment variable VAR (never from the inventory); it goes to `sudo -k -S` on stdin (`-k`: sudo always reads it, even with cached credentials; a script that does not arrive intact is refused, so the password can never run as the script's first line) and is masked everywhere. sudo is probed with `LC_ALL=C`, whatever the host's language",
        shown: |_| None,
    },
    Setting {
        name: "strict_host_key_checking",
        inventory: InInventory::No,
        ssh_config: Some("StrictHostKeyChecking"),
        default: "unknown keys refused",
        description: "`accept-new` and `no` record unknown host keys (as `--accept-new-host-keys` does for a run); a changed key is refused whatever it says",
        shown: |e| e.accept_new_host_keys.then(|| ("host_keys", "accept new".to_string())),
    },
];

/// The keys a host, a group's `connection:` or `defaults:` may write.
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "the documentation half of the table: the tests hold docs/inventory.md and the inventory's keys to it"
    )
)]
pub fn inventory_keys() -> impl Iterator<Item = &'static str> {
    SETTINGS.iter().filter(|s| s.inventory != InInventory::No).map(|s| s.name)
}

/// An endpoint's settings as `inventory list --pair` shows them: row name, value, and where it
/// came from (a setting with no recorded source was written on the host itself).
pub fn rows(endpoint: &Endpoint) -> Vec<(&'static str, String, String)> {
    SETTINGS
        .iter()
        .filter_map(|s| {
            let (row, value) = (s.shown)(endpoint)?;
            let source = endpoint.sources.get(s.name).cloned().unwrap_or_else(|| "host".into());
            Some((row, value, source))
        })
        .collect()
}

/// The table of connection settings in docs/inventory.md.
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "the documentation half of the table: the tests hold docs/inventory.md and the inventory's keys to it"
    )
)]
pub fn markdown_table() -> String {
    let mut out = String::from("| setting | set in | default | meaning |\n|---|---|---|---|\n");
    for s in SETTINGS {
        let inventory = match s.inventory {
            InInventory::Host => Some("`origin:`/`target:`"),
            InInventory::Layers => Some("host, group `connection:`, `defaults:`"),
            InInventory::No => None,
        };
        let ssh_config = s.ssh_config.map(|k| format!("ssh config `{k}`"));
        let set_in: Vec<String> = inventory.map(str::to_string).into_iter().chain(ssh_config).collect();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            s.name,
            set_in.join("; "),
            s.default,
            s.description
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(name: &str) -> &'static Setting {
        SETTINGS.iter().find(|s| s.name == name).unwrap()
    }

    /// docs/inventory.md's table is this table: a setting without its row, a row without its
    /// setting, or a changed description fails here, with the table to paste.
    #[test]
    fn the_docs_table_of_connection_settings_is_the_settings() {
        let page = include_str!("../../docs/inventory.md");
        let table = markdown_table();
        let header = table.lines().next().unwrap();
        let written: String = page
            .lines()
            .skip_while(|l| *l != header)
            .take_while(|l| l.starts_with('|'))
            .map(|l| format!("{l}\n"))
            .collect();
        let names = |t: &str| -> Vec<String> {
            t.lines().skip(2).filter_map(|l| l.split('`').nth(1).map(str::to_string)).collect()
        };
        let (documented, declared) = (names(&written), names(&table));
        let missing: Vec<&String> = declared.iter().filter(|n| !documented.contains(n)).collect();
        assert!(missing.is_empty(), "settings without a row in docs/inventory.md: {missing:?}\n\n{table}");
        let stale: Vec<&String> = documented.iter().filter(|n| !declared.contains(n)).collect();
        assert!(stale.is_empty(), "rows of docs/inventory.md for no setting: {stale:?}\n\n{table}");
        assert_eq!(
            written, table,
            "docs/inventory.md's table of connection settings differs from ssh/settings.rs"
        );
    }

    /// The defaults the table states are the ones applied.
    #[test]
    fn the_stated_defaults_are_the_applied_ones() {
        assert_eq!(setting("port").default, DEFAULT_PORT.to_string());
        assert_eq!(setting("user").default, DEFAULT_USER);
        assert_eq!(setting("connect_timeout").default, DEFAULT_CONNECT_TIMEOUT_SECS.to_string());
        assert_eq!(setting("become_user").default, DEFAULT_BECOME_USER);
    }
}

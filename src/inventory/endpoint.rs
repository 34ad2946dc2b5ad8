//! How to reach one host: the connection settings of a pair's origin or target, resolved from
//! the inventory's layers (the host itself, then its pair's groups in listed order, then
//! `defaults:`), then the ssh client configuration, then built-in defaults. Each resolved
//! setting remembers its source for `bmfleet inventory list --pair NAME`.
//!
//! One precedence rule serves every setting: [`Resolution::pick`] takes the first layer that
//! sets it and records that layer as its source; each setting's own function then falls back to
//! the ssh config and the built-in default, in the order the settings are read.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::schema::RawEndpoint;
use crate::ssh::config::{HostSettings, Setting, SshConfig, parse_jump};
use crate::ssh::settings::{DEFAULT_BECOME_USER, DEFAULT_CONNECT_TIMEOUT_SECS, DEFAULT_PORT, DEFAULT_USER};
use crate::ssh::{Become, Endpoint, Hop};

/// One layer of connection settings and its name (`host`, `group early`, `defaults`).
pub struct Layer<'a> {
    pub raw: &'a RawEndpoint,
    pub label: String,
}

/// A problem with a setting, with the YAML location to point at when there is one.
pub struct Problem {
    pub at: Option<serde_saphyr::Location>,
    pub message: String,
    pub help: Option<String>,
}

pub struct Resolver<'a> {
    pub ssh_config: Option<&'a SshConfig>,
    /// Turns a path from the inventory into an absolute one (`~`, relative to the inventory).
    pub resolve_path: &'a dyn Fn(&str) -> PathBuf,
    pub home: PathBuf,
}

/// One host's settings being resolved: its layers, where each setting came from so far, and the
/// problems found so far (in the order they are found, which is the order they are reported).
struct Resolution<'l> {
    layers: &'l [Layer<'l>],
    sources: BTreeMap<&'static str, String>,
    problems: Vec<Problem>,
}

impl<'l> Resolution<'l> {
    /// The first layer that sets a field, and its label, without recording it as the source
    /// (for settings whose value decides whether it counts, like `become: none`).
    fn find<T>(&self, field: impl Fn(&'l RawEndpoint) -> Option<T>) -> Option<(T, &'l str)> {
        self.layers.iter().find_map(|l| field(l.raw).map(|v| (v, l.label.as_str())))
    }

    /// The first layer that sets a field wins, and is recorded as the setting's source.
    fn pick<T>(&mut self, name: &'static str, field: impl Fn(&'l RawEndpoint) -> Option<T>) -> Option<T> {
        let (value, label) = self.find(field)?;
        self.sources.insert(name, label.to_string());
        Some(value)
    }

    fn source(&mut self, name: &'static str, from: String) {
        self.sources.insert(name, from);
    }

    fn problem(&mut self, message: String, help: Option<&str>) {
        self.problems.push(Problem { at: None, message, help: help.map(str::to_string) });
    }

    /// A `Match` line that applies to this host (or a jump host) and could not be evaluated.
    fn config_problems(&mut self, name: &str, settings: &HostSettings) {
        let help = "fix that `Match` line, or pass --ssh-config with a file bmfleet can read";
        for message in &settings.problems {
            self.problem(format!("{name}: {message}"), Some(help));
        }
    }
}

/// The file a setting was read from: the main ssh config, or the one it includes.
fn from_ssh(s: &Setting) -> String {
    format!("ssh config {}", s.location())
}

impl Resolver<'_> {
    /// Every connection setting of `host`, in the order they depend on each other: `user` and
    /// `port` first (the ssh config's `Match user`/`Match` lines need them), then the ssh config
    /// block they select, then the rest. All problems are returned at once.
    pub fn endpoint(&self, host: &str, layers: &[Layer<'_>]) -> Result<Endpoint, Vec<Problem>> {
        let mut r = Resolution { layers, sources: BTreeMap::new(), problems: Vec::new() };
        let user_set = r.pick("user", |raw| raw.user.clone());
        let port_set = r.pick("port", |raw| raw.port).map(|p| p.0);
        let ssh = self.ssh_config.map(|c| c.lookup(host, user_set.as_deref(), port_set));
        if let Some(settings) = &ssh {
            r.config_problems(host, settings);
        }
        let ssh = ssh.as_ref();
        let address = address(&mut r, host, ssh);
        let user = user(&mut r, user_set, ssh);
        let port = port(&mut r, port_set, ssh);
        let identity_file = self.identity_file(&mut r, ssh);
        let (known_hosts, known_hosts_also) = self.known_hosts(&mut r, ssh);
        let connect_timeout = r.pick("connect_timeout", |raw| raw.connect_timeout).map_or_else(
            || {
                r.source("connect_timeout", "built-in".into());
                Duration::from_secs(DEFAULT_CONNECT_TIMEOUT_SECS)
            },
            |t| t.0,
        );
        let accept_new_host_keys = accept_new_host_keys(&mut r, ssh);
        let jump = self.jump(&mut r, ssh, &user);
        let r#become = become_sudo(&mut r);
        if !r.problems.is_empty() {
            return Err(r.problems);
        }
        Ok(Endpoint {
            host: host.to_string(),
            address,
            port,
            user,
            identity_file,
            known_hosts,
            known_hosts_also,
            connect_timeout,
            accept_new_host_keys,
            jump,
            r#become,
            sources: r.sources,
        })
    }

    /// `identity_file`, else ssh config's `IdentityFile`; none means the agent, then the usual
    /// default keys (decided when connecting, so recorded as built-in here).
    fn identity_file(&self, r: &mut Resolution<'_>, ssh: Option<&HostSettings>) -> Option<PathBuf> {
        let file = match r.pick("identity_file", |raw| raw.identity_file.clone()) {
            Some(f) => Some((self.resolve_path)(&f)),
            None => ssh.and_then(|s| s.identity_file.as_ref()).map(|f| {
                r.source("identity_file", from_ssh(f));
                (self.resolve_path)(&f.value)
            }),
        };
        if file.is_none() {
            r.source("identity_file", "built-in (ssh-agent, then ~/.ssh/id_*)".into());
        }
        file
    }

    /// The known_hosts file learnt keys go to, and the others read: `known_hosts` alone, else
    /// ssh config's `UserKnownHostsFile`s; with the `GlobalKnownHostsFile`s either way.
    fn known_hosts(&self, r: &mut Resolution<'_>, ssh: Option<&HostSettings>) -> (PathBuf, Vec<PathBuf>) {
        let (first, mut also) = match r.pick("known_hosts", |raw| raw.known_hosts.clone()) {
            Some(f) => ((self.resolve_path)(&f), Vec::new()),
            None => {
                let user_files = ssh.and_then(|s| s.known_hosts.as_ref()).map(|f| {
                    r.source("known_hosts", from_ssh(f));
                    f.value.as_str()
                });
                known_hosts_files(user_files, self.resolve_path, &self.home)
            }
        };
        if !r.sources.contains_key("known_hosts") {
            r.source("known_hosts", "built-in".into());
        }
        also.extend(global_known_hosts(ssh, self.resolve_path));
        (first, also)
    }

    /// The jump hosts, first to last: `jump`, else ssh config's `ProxyJump`. Each hop is itself
    /// looked up in the ssh config, whose block says how to reach and verify it.
    fn jump(&self, r: &mut Resolution<'_>, ssh: Option<&HostSettings>, user: &str) -> Vec<Hop> {
        let written = r.pick("jump", |raw| raw.jump.as_ref());
        let specs: Vec<String> = match written {
            Some(j) => j.value.list(),
            None => match ssh.and_then(|s| s.proxy_jump.as_ref()) {
                Some(p) if p.value != "none" => {
                    r.source("jump", from_ssh(p));
                    p.value.split(',').map(|h| h.trim().to_string()).collect()
                }
                _ => Vec::new(),
            },
        };
        let mut hops = Vec::new();
        for spec in specs {
            match parse_jump(&spec) {
                Some((hop_user, hop_host, hop_port)) => {
                    hops.push(self.hop(r, hop_user, hop_host, hop_port, user));
                }
                None => r.problems.push(Problem {
                    at: written.map(|j| j.referenced),
                    message: format!("`{}` is not a jump host", spec.escape_debug()),
                    help: Some(
                        "write `user@bastion:port` (user and port optional), or a list of them for a chain"
                            .into(),
                    ),
                }),
            }
        }
        hops
    }

    /// One jump host: what its spec says, else its own ssh config block (a jump host may be an
    /// alias there), else the host's user and port 22.
    fn hop(
        &self,
        r: &mut Resolution<'_>,
        hop_user: Option<String>,
        hop_host: String,
        hop_port: Option<u16>,
        user: &str,
    ) -> Hop {
        let cfg = self.ssh_config.map(|c| c.lookup(&hop_host, hop_user.as_deref(), hop_port));
        if let Some(settings) = &cfg {
            r.config_problems(&hop_host, settings);
        }
        let cfg = cfg.as_ref();
        let cfg_user = cfg.and_then(|c| c.user.as_ref()).map(|u| u.value.clone());
        let cfg_port = cfg.and_then(|c| c.port.as_ref()).and_then(|p| p.value.parse().ok());
        let known_hosts = cfg.and_then(|c| c.known_hosts.as_ref()).map(|f| {
            let (first, mut rest) = known_hosts_files(Some(&f.value), self.resolve_path, &self.home);
            rest.extend(global_known_hosts(cfg, self.resolve_path));
            (first, rest)
        });
        Hop {
            user: hop_user.or(cfg_user).unwrap_or_else(|| user.to_string()),
            host: cfg.and_then(|c| c.hostname.as_ref()).map_or(hop_host, |h| h.value.clone()),
            port: hop_port.or(cfg_port).unwrap_or(DEFAULT_PORT),
            identity_file: cfg.and_then(|c| c.identity_file.as_ref()).map(|f| (self.resolve_path)(&f.value)),
            known_hosts,
        }
    }
}

/// Where to connect: ssh config's `HostName`, else the host as the inventory names it.
fn address(r: &mut Resolution<'_>, host: &str, ssh: Option<&HostSettings>) -> String {
    match ssh.and_then(|s| s.hostname.as_ref()) {
        Some(h) => {
            r.source("address", from_ssh(h));
            h.value.clone()
        }
        None => host.to_string(),
    }
}

/// `user` (already picked from the layers), else ssh config's `User`, else root; refused when
/// it could not be a user name (it ends up on ssh's and sudo's command lines).
fn user(r: &mut Resolution<'_>, user_set: Option<String>, ssh: Option<&HostSettings>) -> String {
    let user = match (user_set, ssh.and_then(|s| s.user.as_ref())) {
        (Some(u), _) => u,
        (None, Some(u)) => {
            r.source("user", from_ssh(u));
            u.value.clone()
        }
        (None, None) => {
            r.source("user", "built-in".into());
            DEFAULT_USER.into()
        }
    };
    if user.is_empty() || user.starts_with('-') || user.contains(|c: char| c.is_whitespace() || c == '@') {
        r.problem(format!("`{}` is not a user name", user.escape_debug()), None);
    }
    user
}

/// `port` (already picked from the layers), else ssh config's `Port`, else 22.
fn port(r: &mut Resolution<'_>, port_set: Option<u16>, ssh: Option<&HostSettings>) -> u16 {
    if let Some(p) = port_set {
        return p;
    }
    let Some(p) = ssh.and_then(|s| s.port.as_ref()) else {
        r.source("port", "built-in".into());
        return DEFAULT_PORT;
    };
    match p.value.parse::<u16>() {
        Ok(port) => {
            r.source("port", from_ssh(p));
            port
        }
        Err(_) => {
            r.problem(format!("{}: `Port {}` is not a port", from_ssh(p), p.value), None);
            DEFAULT_PORT
        }
    }
}

/// ssh config's `StrictHostKeyChecking accept-new` (or `no`, `off`): record unknown host keys.
/// The inventory has no key for it; a run's `--accept-new-host-keys` is the other way.
fn accept_new_host_keys(r: &mut Resolution<'_>, ssh: Option<&HostSettings>) -> bool {
    match ssh.and_then(|s| s.strict_host_key_checking.as_ref()) {
        Some(s) => {
            r.source("strict_host_key_checking", format!("{} ({})", from_ssh(s), s.value));
            matches!(s.value.to_ascii_lowercase().as_str(), "accept-new" | "no" | "off")
        }
        None => false,
    }
}

/// `become: sudo` with its `become_user` and `become_password_env` (read only then, and only
/// then recorded as sources); `none` or `false` is no become; anything else is refused.
fn become_sudo(r: &mut Resolution<'_>) -> Option<Become> {
    let (written, label) = r.find(|raw| raw.r#become.as_ref())?;
    match written.value.as_str() {
        "sudo" => {}
        "none" | "false" => return None,
        other => {
            r.problems.push(Problem {
                at: Some(written.referenced),
                message: format!("`become: {other}` is not supported"),
                help: Some("write `become: sudo` (steps run through `sudo -n`), or leave it out".into()),
            });
            return None;
        }
    }
    r.source("become", label.to_string());
    let user = r
        .pick("become_user", |raw| raw.become_user.as_ref())
        .map_or(DEFAULT_BECOME_USER, |u| u.value.as_str());
    let password_env =
        r.pick("become_password_env", |raw| raw.become_password_env.as_ref()).map(|e| &e.value);
    if let Some(env) = password_env
        && !crate::inventory::is_identifier(env)
    {
        r.problem(format!("`{env}` is not an environment variable name"), None);
    }
    if !crate::inventory::is_identifier(&user.replace('-', "_")) {
        r.problem(format!("`{user}` is not a user name"), None);
    }
    Some(Become { user: user.to_string(), password_env: password_env.cloned() })
}

/// `UserKnownHostsFile` (space-separated, `none` for none): the first file (where learnt keys
/// go) and the others. OpenSSH's default is `~/.ssh/known_hosts ~/.ssh/known_hosts2`.
fn known_hosts_files(
    value: Option<&str>,
    resolve: &dyn Fn(&str) -> PathBuf,
    home: &std::path::Path,
) -> (PathBuf, Vec<PathBuf>) {
    let files: Vec<PathBuf> = match value {
        Some(v) => v.split_whitespace().filter(|f| *f != "none").map(resolve).collect(),
        None => vec![home.join(".ssh/known_hosts"), home.join(".ssh/known_hosts2")],
    };
    let mut files = files.into_iter();
    // `none`: no user file; learnt keys would go nowhere readable, so keep OpenSSH's default.
    let first = files.next().unwrap_or_else(|| home.join(".ssh/known_hosts"));
    (first, files.collect())
}

/// `GlobalKnownHostsFile`, by default `/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2`.
fn global_known_hosts(ssh: Option<&HostSettings>, resolve: &dyn Fn(&str) -> PathBuf) -> Vec<PathBuf> {
    match ssh.and_then(|s| s.global_known_hosts.as_ref()) {
        Some(g) => g.value.split_whitespace().filter(|f| *f != "none").map(resolve).collect(),
        None => vec![PathBuf::from("/etc/ssh/ssh_known_hosts"), PathBuf::from("/etc/ssh/ssh_known_hosts2")],
    }
}

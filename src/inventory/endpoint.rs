//! How to reach one host: the connection settings of a pair's origin or target, resolved from
//! the inventory's layers (the host itself, then its pair's groups in listed order, then
//! `defaults:`), then the ssh client configuration, then built-in defaults. Each resolved
//! setting remembers its source for `bmfleet inventory list --pair NAME`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::schema::RawEndpoint;
use super::{Become, Endpoint, Hop};
use crate::ssh::config::{Setting, SshConfig, parse_jump};

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

impl Resolver<'_> {
    // Over 100 lines on purpose: one connection setting after another, each with the same precedence (host > groups > defaults > ssh config > built-in) and its source; splitting would scatter that rule.
    #[allow(clippy::too_many_lines)]
    pub fn endpoint(&self, host: &str, layers: &[Layer<'_>]) -> Result<Endpoint, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut sources: BTreeMap<&'static str, String> = BTreeMap::new();
        // The first layer that sets a field wins.
        macro_rules! pick {
            ($field:ident, $name:literal) => {
                layers.iter().find_map(|l| {
                    l.raw.$field.clone().map(|v| {
                        sources.insert($name, l.label.clone());
                        v
                    })
                })
            };
        }
        let user_set = pick!(user, "user");
        let port_set = pick!(port, "port").map(|p| p.0);
        let ssh = self.ssh_config.map(|c| (c, c.lookup(host, user_set.as_deref(), port_set)));
        // A `Match` line that applies to this host (or a jump host) and could not be evaluated.
        let config_problems = |name: &str,
                               settings: &crate::ssh::config::HostSettings,
                               problems: &mut Vec<Problem>| {
            problems.extend(settings.problems.iter().map(|message| Problem {
                at: None,
                message: format!("{name}: {message}"),
                help: Some("fix that `Match` line, or pass --ssh-config with a file bmfleet can read".into()),
            }));
        };
        if let Some((_, settings)) = &ssh {
            config_problems(host, settings, &mut problems);
        }
        // The file the setting was read from: the main one, or the one it includes.
        let from_ssh = |s: &Setting| -> String { format!("ssh config {}", s.location()) };

        let address = match ssh.as_ref().and_then(|(_, s)| s.hostname.clone()) {
            Some(h) => {
                sources.insert("address", from_ssh(&h));
                h.value
            }
            None => host.to_string(),
        };
        let user = user_set
            .or_else(|| {
                ssh.as_ref().and_then(|(_, s)| s.user.clone()).map(|u| {
                    sources.insert("user", from_ssh(&u));
                    u.value
                })
            })
            .unwrap_or_else(|| {
                sources.insert("user", "built-in".into());
                "root".into()
            });
        if user.is_empty() || user.starts_with('-') || user.contains(|c: char| c.is_whitespace() || c == '@')
        {
            problems.push(Problem {
                at: None,
                message: format!("`{}` is not a user name", user.escape_debug()),
                help: None,
            });
        }
        let port = match port_set {
            Some(p) => p,
            None => match ssh.as_ref().and_then(|(_, s)| s.port.clone()) {
                Some(p) => match p.value.parse::<u16>() {
                    Ok(port) => {
                        sources.insert("port", from_ssh(&p));
                        port
                    }
                    Err(_) => {
                        problems.push(Problem {
                            at: None,
                            message: format!("{}: `Port {}` is not a port", from_ssh(&p), p.value),
                            help: None,
                        });
                        22
                    }
                },
                None => {
                    sources.insert("port", "built-in".into());
                    22
                }
            },
        };
        let identity_file = match pick!(identity_file, "identity_file") {
            Some(f) => Some((self.resolve_path)(&f)),
            None => ssh.as_ref().and_then(|(_, s)| s.identity_file.clone()).map(|f| {
                sources.insert("identity_file", from_ssh(&f));
                (self.resolve_path)(&f.value)
            }),
        };
        if identity_file.is_none() {
            sources.insert("identity_file", "built-in (ssh-agent, then ~/.ssh/id_*)".into());
        }
        let (known_hosts, known_hosts_also) = match pick!(known_hosts, "known_hosts") {
            Some(f) => ((self.resolve_path)(&f), Vec::new()),
            None => {
                let user_files = ssh.as_ref().and_then(|(_, s)| s.known_hosts.clone()).map(|f| {
                    sources.insert("known_hosts", from_ssh(&f));
                    f.value
                });
                known_hosts_files(user_files.as_deref(), self.resolve_path, &self.home)
            }
        };
        if !sources.contains_key("known_hosts") {
            sources.insert("known_hosts", "built-in".into());
        }
        let mut known_hosts_also = known_hosts_also;
        known_hosts_also.extend(global_known_hosts(ssh.as_ref().map(|(_, s)| s), self.resolve_path));
        let connect_timeout = pick!(connect_timeout, "connect_timeout").map_or_else(
            || {
                sources.insert("connect_timeout", "built-in".into());
                Duration::from_secs(10)
            },
            |t| t.0,
        );
        let accept_new_host_keys = match ssh.as_ref().and_then(|(_, s)| s.strict_host_key_checking.clone()) {
            Some(s) => {
                sources.insert("strict_host_key_checking", format!("{} ({})", from_ssh(&s), s.value));
                matches!(s.value.to_ascii_lowercase().as_str(), "accept-new" | "no" | "off")
            }
            None => false,
        };

        let jump_specs: Vec<String> =
            match layers.iter().find_map(|l| l.raw.jump.as_ref().map(|j| (j, l.label.clone()))) {
                Some((j, label)) => {
                    sources.insert("jump", label);
                    j.value.list()
                }
                None => match ssh.as_ref().and_then(|(_, s)| s.proxy_jump.clone()) {
                    Some(p) if p.value != "none" => {
                        sources.insert("jump", from_ssh(&p));
                        p.value.split(',').map(|h| h.trim().to_string()).collect()
                    }
                    _ => Vec::new(),
                },
            };
        let mut jump = Vec::new();
        for spec in jump_specs {
            match parse_jump(&spec) {
                Some((hop_user, hop_host, hop_port)) => {
                    // A jump host may itself be an alias of the ssh config.
                    let cfg = self.ssh_config.map(|c| c.lookup(&hop_host, hop_user.as_deref(), hop_port));
                    if let Some(settings) = &cfg {
                        config_problems(&hop_host, settings, &mut problems);
                    }
                    let cfg_user = cfg.as_ref().and_then(|c| c.user.clone()).map(|u| u.value);
                    let cfg_port =
                        cfg.as_ref().and_then(|c| c.port.clone()).and_then(|p| p.value.parse().ok());
                    // The jump host's own block says how to reach and verify it.
                    let hop_kh = cfg.as_ref().and_then(|c| c.known_hosts.clone()).map(|f| {
                        let (first, mut rest) =
                            known_hosts_files(Some(&f.value), self.resolve_path, &self.home);
                        rest.extend(global_known_hosts(cfg.as_ref(), self.resolve_path));
                        (first, rest)
                    });
                    jump.push(Hop {
                        user: hop_user.or(cfg_user).unwrap_or_else(|| user.clone()),
                        host: cfg.as_ref().and_then(|c| c.hostname.clone()).map_or(hop_host, |h| h.value),
                        port: hop_port.or(cfg_port).unwrap_or(22),
                        identity_file: cfg
                            .as_ref()
                            .and_then(|c| c.identity_file.clone())
                            .map(|f| (self.resolve_path)(&f.value)),
                        known_hosts: hop_kh,
                    });
                }
                None => {
                    let at = layers.iter().find_map(|l| l.raw.jump.as_ref()).map(|j| j.referenced);
                    problems.push(Problem {
                        at,
                        message: format!("`{}` is not a jump host", spec.escape_debug()),
                        help: Some("write `user@bastion:port` (user and port optional), or a list of them for a chain".into()),
                    });
                }
            }
        }

        let r#become = match layers.iter().find_map(|l| l.raw.r#become.as_ref().map(|b| (b, l.label.clone())))
        {
            Some((b, label)) if b.value == "sudo" => {
                sources.insert("become", label);
                let become_user =
                    pick!(become_user, "become_user").map(|u| u.value).unwrap_or_else(|| "root".into());
                let password_env = pick!(become_password_env, "become_password_env").map(|e| e.value);
                if let Some(env) = &password_env
                    && !crate::inventory::is_identifier(env)
                {
                    problems.push(Problem {
                        at: None,
                        message: format!("`{env}` is not an environment variable name"),
                        help: None,
                    });
                }
                if !crate::inventory::is_identifier(&become_user.replace('-', "_")) {
                    problems.push(Problem {
                        at: None,
                        message: format!("`{become_user}` is not a user name"),
                        help: None,
                    });
                }
                Some(Become { user: become_user, password_env })
            }
            Some((b, _)) if b.value == "none" || b.value == "false" => None,
            Some((b, _)) => {
                problems.push(Problem {
                    at: Some(b.referenced),
                    message: format!("`become: {}` is not supported", b.value),
                    help: Some("write `become: sudo` (steps run through `sudo -n`), or leave it out".into()),
                });
                None
            }
            None => None,
        };

        if !problems.is_empty() {
            return Err(problems);
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
            sources,
        })
    }
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
fn global_known_hosts(
    ssh: Option<&crate::ssh::config::HostSettings>,
    resolve: &dyn Fn(&str) -> PathBuf,
) -> Vec<PathBuf> {
    match ssh.and_then(|s| s.global_known_hosts.as_ref()) {
        Some(g) => g.value.split_whitespace().filter(|f| *f != "none").map(resolve).collect(),
        None => vec![PathBuf::from("/etc/ssh/ssh_known_hosts"), PathBuf::from("/etc/ssh/ssh_known_hosts2")],
    }
}

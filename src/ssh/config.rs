//! The OpenSSH client configuration (`~/.ssh/config`, or `--ssh-config FILE`), as far as bmfleet
//! needs it: `Host` blocks with `HostName`, `User`, `Port`, `IdentityFile`, `ProxyJump`,
//! `UserKnownHostsFile`, `GlobalKnownHostsFile` (both lists of files) and
//! `StrictHostKeyChecking`. As with ssh, the first value found for a
//! keyword wins, blocks are matched against the name the inventory gives (`Host` patterns with
//! `*`, `?` and `!`), and `%h`, `%p`, `%r`, `%%` and `~` are expanded in paths. Values the
//! inventory sets itself always take precedence (see `inventory/load.rs`).
//!
//! `Match` blocks are not evaluated: their options are skipped, and so are unknown keywords.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct SshConfig {
    pub path: PathBuf,
    blocks: Vec<Block>,
}

#[derive(Debug, Clone)]
struct Block {
    /// `None`: the options before the first `Host` line (they apply to every host).
    patterns: Option<Vec<String>>,
    options: Vec<(String, String, usize)>,
}

/// A value and the line it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub line: usize,
}

/// What the configuration says about one host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostSettings {
    pub hostname: Option<Setting>,
    pub user: Option<Setting>,
    pub port: Option<Setting>,
    pub identity_file: Option<Setting>,
    pub proxy_jump: Option<Setting>,
    /// `UserKnownHostsFile`: one or more files, space-separated.
    pub known_hosts: Option<Setting>,
    /// `GlobalKnownHostsFile`: one or more files, space-separated.
    pub global_known_hosts: Option<Setting>,
    pub strict_host_key_checking: Option<Setting>,
}

impl SshConfig {
    pub fn load(path: &Path) -> std::io::Result<SshConfig> {
        Ok(SshConfig::parse(path, &std::fs::read_to_string(path)?))
    }

    pub fn parse(path: &Path, text: &str) -> SshConfig {
        let mut blocks = vec![Block { patterns: None, options: Vec::new() }];
        let mut in_match = false;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // `Keyword value`, `Keyword=value` or `Keyword = value`.
            let (key, value) = match line.find(|c: char| c.is_whitespace() || c == '=') {
                Some(at) => (
                    &line[..at],
                    line[at..].trim_start_matches(|c: char| c.is_whitespace() || c == '=').trim(),
                ),
                None => (line, ""),
            };
            let key = key.to_ascii_lowercase();
            let value = value.trim_matches('"').to_string();
            match key.as_str() {
                "host" => {
                    in_match = false;
                    blocks.push(Block {
                        patterns: Some(value.split_whitespace().map(String::from).collect()),
                        options: Vec::new(),
                    });
                }
                "match" => in_match = true,
                _ if !in_match => blocks.last_mut().expect("never empty").options.push((key, value, i + 1)),
                _ => {}
            }
        }
        SshConfig { path: path.to_path_buf(), blocks }
    }

    /// The settings that apply to `host` (the name the inventory uses), first value wins.
    pub fn lookup(&self, host: &str, user_hint: Option<&str>, port_hint: Option<u16>) -> HostSettings {
        let mut found = HostSettings::default();
        for block in &self.blocks {
            if let Some(patterns) = &block.patterns
                && !matches(patterns, host)
            {
                continue;
            }
            for (key, value, line) in &block.options {
                let slot = match key.as_str() {
                    "hostname" => &mut found.hostname,
                    "user" => &mut found.user,
                    "port" => &mut found.port,
                    "identityfile" => &mut found.identity_file,
                    "proxyjump" => &mut found.proxy_jump,
                    "userknownhostsfile" => &mut found.known_hosts,
                    "globalknownhostsfile" => &mut found.global_known_hosts,
                    "stricthostkeychecking" => &mut found.strict_host_key_checking,
                    _ => continue,
                };
                if slot.is_none() {
                    *slot = Some(Setting { value: value.clone(), line: *line });
                }
            }
        }
        // Tokens, once every value is known (as ssh does).
        let hostname = found.hostname.as_ref().map_or(host.to_string(), |h| h.value.replace("%h", host));
        if let Some(h) = &mut found.hostname {
            h.value = hostname.clone();
        }
        let user = found
            .user
            .as_ref()
            .map(|u| u.value.clone())
            .or(user_hint.map(String::from))
            .unwrap_or_else(|| "root".into());
        let port = found.port.as_ref().and_then(|p| p.value.parse().ok()).or(port_hint).unwrap_or(22u16);
        if let Some(s) = &mut found.identity_file {
            s.value = expand(&s.value, &hostname, port, &user);
        }
        for s in [&mut found.known_hosts, &mut found.global_known_hosts].into_iter().flatten() {
            s.value = s
                .value
                .split_whitespace()
                .map(|f| expand(f, &hostname, port, &user))
                .collect::<Vec<_>>()
                .join(" ");
        }
        found
    }
}

/// `%h`, `%p`, `%r`, `%%` and a leading `~/`.
fn expand(value: &str, host: &str, port: u16, user: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('h') => out.push_str(host),
            Some('p') => out.push_str(&port.to_string()),
            Some('r') => out.push_str(user),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    match out.strip_prefix("~/") {
        Some(rest) => {
            std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(rest).display().to_string()
        }
        None => out,
    }
}

/// `Host` patterns: a negated match vetoes the block.
fn matches(patterns: &[String], host: &str) -> bool {
    let mut hit = false;
    for p in patterns {
        if let Some(negated) = p.strip_prefix('!') {
            if super::known_hosts::wildcard_match(negated, host) {
                return false;
            }
        } else if super::known_hosts::wildcard_match(p, host) {
            hit = true;
        }
    }
    hit
}

/// `[user@]host[:port]` of a jump host (as in `ProxyJump` and the inventory's `jump:`).
pub fn parse_jump(spec: &str) -> Option<(Option<String>, String, Option<u16>)> {
    let spec = spec.trim();
    let (user, rest) = match spec.rsplit_once('@') {
        Some((u, r)) => (Some(u.to_string()), r),
        None => (None, spec),
    };
    let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
        let (h, after) = bracketed.split_once(']')?;
        (h.to_string(), after.strip_prefix(':').map(|p| p.parse().ok()).unwrap_or(None))
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p.parse().ok()?)),
            None => (rest.to_string(), None),
        }
    };
    let valid = !host.is_empty()
        && !host.starts_with('-')
        && !host.contains(char::is_whitespace)
        && user
            .as_deref()
            .is_none_or(|u| !u.is_empty() && !u.starts_with('-') && !u.contains(char::is_whitespace));
    valid.then_some((user, host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
# global defaults come after specific blocks, as people write them
Host bm-*.acme !bm-legacy.acme
    HostName %h.internal
    User admin
    Port 2222
    IdentityFile ~/.ssh/acme_%r
    ProxyJump jump@bastion.acme:22

Host bm-legacy.acme
    User=root
Match host foo
    User matched
Host *
    User fallback
    UserKnownHostsFile /etc/ssh/kh_%h
    StrictHostKeyChecking accept-new
";

    #[test]
    fn first_value_wins_and_tokens_expand() {
        let cfg = SshConfig::parse(Path::new("cfg"), CONFIG);
        let s = cfg.lookup("bm-1.acme", None, None);
        assert_eq!(s.hostname.unwrap().value, "bm-1.acme.internal");
        assert_eq!(s.user.as_ref().unwrap().value, "admin");
        assert_eq!(s.user.unwrap().line, 4);
        assert_eq!(s.port.unwrap().value, "2222");
        assert!(s.identity_file.unwrap().value.ends_with(".ssh/acme_admin"));
        assert_eq!(s.proxy_jump.unwrap().value, "jump@bastion.acme:22");
        assert_eq!(s.known_hosts.unwrap().value, "/etc/ssh/kh_bm-1.acme.internal");
        assert_eq!(s.strict_host_key_checking.unwrap().value, "accept-new");
    }

    #[test]
    fn negations_and_match_blocks() {
        let cfg = SshConfig::parse(Path::new("cfg"), CONFIG);
        let s = cfg.lookup("bm-legacy.acme", None, None);
        assert_eq!(s.user.unwrap().value, "root");
        assert_eq!(s.hostname, None);
        assert_eq!(cfg.lookup("other", None, None).user.unwrap().value, "fallback");
    }

    #[test]
    fn jump_specs() {
        assert_eq!(parse_jump("admin@b:2200"), Some((Some("admin".into()), "b".into(), Some(2200))));
        assert_eq!(parse_jump("b"), Some((None, "b".into(), None)));
        assert_eq!(parse_jump("[fe80::1]:22"), Some((None, "fe80::1".into(), Some(22))));
        assert_eq!(parse_jump("b:port"), None);
        assert_eq!(parse_jump("-oProxyCommand=x"), None);
        assert_eq!(parse_jump(""), None);
    }
}

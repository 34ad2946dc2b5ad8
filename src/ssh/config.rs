//! The OpenSSH client configuration (`~/.ssh/config`, or `--ssh-config FILE`), as far as bmfleet
//! needs it: `Host` blocks with `HostName`, `User`, `Port`, `IdentityFile`, `ProxyJump`,
//! `UserKnownHostsFile`, `GlobalKnownHostsFile` (both lists of files) and
//! `StrictHostKeyChecking`. As with ssh, the first value found for a
//! keyword wins, blocks are matched against the name the inventory gives (`Host` patterns with
//! `*`, `?` and `!`), and `%h`, `%p`, `%r`, `%%` and `~` are expanded in paths. Values the
//! inventory sets itself always take precedence (see `inventory/load.rs`).
//!
//! `Include` is read as OpenSSH does: several files or globs (`*`, `?` in the file name),
//! relative to `~/.ssh`, in sorted order, conditional when inside a `Host`/`Match` block.
//! `Match` is evaluated with the criteria `all`, `host` (the name after `HostName`),
//! `originalhost`, `user`, `localuser` and `exec` (a local command, run only when the criteria
//! before it hold for the host looked up), each may be negated with `!`: see [`criteria`]. A
//! criterion bmfleet does not evaluate is an error for the hosts it could apply to, never for
//! the others. Unknown keywords are skipped.

mod criteria;

use std::path::{Path, PathBuf};

use criteria::{ExecCache, Facts, MatchLine};

#[derive(Debug, Clone, Default)]
pub struct SshConfig {
    blocks: Vec<Block>,
    exec_cache: ExecCache,
}

#[derive(Debug, Clone)]
struct Block {
    /// Every condition must hold (an `Include` inside a block adds its block's conditions).
    conditions: Vec<Condition>,
    /// The file the block's options were read from (an included file, where so).
    file: PathBuf,
    /// Options with their line in `file`.
    options: Vec<(String, String, usize)>,
}

#[derive(Debug, Clone)]
enum Condition {
    /// `Host` patterns.
    Host(Vec<String>),
    /// `Match` criteria, evaluated in order.
    Match(MatchLine),
}

/// The deepest `Include` chain followed (OpenSSH's limit is 16).
const MAX_INCLUDE_DEPTH: usize = 16;
/// A value and where it came from: the file (the main one or an included one) and its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub file: PathBuf,
    pub line: usize,
}

impl Setting {
    /// `FILE:LINE`, as an operator opens it.
    pub fn location(&self) -> String {
        format!("{}:{}", self.file.display(), self.line)
    }
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
    /// `Match` lines that apply to this host and could not be evaluated (`ssh config FILE:LINE:
    /// ...`): the lookup is incomplete, so the host must not be reached with it.
    pub problems: Vec<String>,
}

impl SshConfig {
    pub fn load(path: &Path) -> std::io::Result<SshConfig> {
        let mut blocks =
            vec![Block { conditions: Vec::new(), file: path.to_path_buf(), options: Vec::new() }];
        read_into(path, &std::fs::read_to_string(path)?, &[], &mut blocks, 0)?;
        Ok(SshConfig { blocks, exec_cache: ExecCache::default() })
    }

    /// Parse one file's text (`Include` lines are followed; errors of `Match` are dropped).
    #[cfg(test)]
    pub fn parse(path: &Path, text: &str) -> SshConfig {
        let mut blocks =
            vec![Block { conditions: Vec::new(), file: path.to_path_buf(), options: Vec::new() }];
        let _ = read_into(path, text, &[], &mut blocks, 0);
        SshConfig { blocks, exec_cache: ExecCache::default() }
    }

    /// The settings that apply to `host` (the name the inventory uses), first value wins.
    pub fn lookup(&self, host: &str, user_hint: Option<&str>, port_hint: Option<u16>) -> HostSettings {
        let mut found = HostSettings::default();
        for block in &self.blocks {
            let applies = block.conditions.iter().all(|c| match c {
                Condition::Host(patterns) => matches(patterns, host),
                Condition::Match(line) => {
                    // What ssh knows at this line: the inventory's user and port, as ssh's
                    // command line, else the values found so far.
                    let hostname =
                        found.hostname.as_ref().map_or(host.to_string(), |h| h.value.replace("%h", host));
                    let user = user_hint
                        .map(String::from)
                        .or_else(|| found.user.as_ref().map(|u| u.value.clone()))
                        .unwrap_or_else(|| "root".into());
                    let port = port_hint
                        .or_else(|| found.port.as_ref().and_then(|p| p.value.parse().ok()))
                        .unwrap_or(22);
                    let facts = Facts { host: &hostname, original_host: host, user: &user, port };
                    line.holds(&facts, &self.exec_cache).unwrap_or_else(|problem| {
                        // A line inside an `Include`d block is a condition of several blocks.
                        if !found.problems.contains(&problem) {
                            found.problems.push(problem);
                        }
                        false
                    })
                }
            });
            if !applies {
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
                    *slot = Some(Setting { value: value.clone(), file: block.file.clone(), line: *line });
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

/// Read one file into `blocks`, with the conditions of the block holding its `Include`.
fn read_into(
    path: &Path,
    text: &str,
    outer: &[Condition],
    blocks: &mut Vec<Block>,
    depth: usize,
) -> std::io::Result<()> {
    let bad =
        |line: usize, message: String| std::io::Error::other(format!("{}:{line}: {message}", path.display()));
    let current = |blocks: &[Block]| blocks.last().map(|b| b.conditions.clone()).unwrap_or_default();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // `Keyword value`, `Keyword=value` or `Keyword = value`.
        let (key, value) = match line.find(|c: char| c.is_whitespace() || c == '=') {
            Some(at) => {
                (&line[..at], line[at..].trim_start_matches(|c: char| c.is_whitespace() || c == '=').trim())
            }
            None => (line, ""),
        };
        let key = key.to_ascii_lowercase();
        let quoted = value;
        let value = value.trim_matches('"').to_string();
        match key.as_str() {
            "host" => {
                let mut conditions = outer.to_vec();
                conditions.push(Condition::Host(value.split_whitespace().map(String::from).collect()));
                blocks.push(Block { conditions, file: path.to_path_buf(), options: Vec::new() });
            }
            "match" => {
                let mut conditions = outer.to_vec();
                let line = MatchLine::parse(quoted, path, i + 1).map_err(|m| bad(i + 1, m))?;
                conditions.push(Condition::Match(line));
                blocks.push(Block { conditions, file: path.to_path_buf(), options: Vec::new() });
            }
            "include" => {
                if depth >= MAX_INCLUDE_DEPTH {
                    return Err(bad(i + 1, "Include nested too deeply".into()));
                }
                let enclosing = current(blocks);
                let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
                for file in include_files(&value, &home) {
                    let Ok(text) = std::fs::read_to_string(&file) else { continue };
                    blocks.push(Block {
                        conditions: enclosing.clone(),
                        file: file.clone(),
                        options: Vec::new(),
                    });
                    read_into(&file, &text, &enclosing, blocks, depth + 1)?;
                }
                // What follows the Include is still under the enclosing block.
                blocks.push(Block { conditions: enclosing, file: path.to_path_buf(), options: Vec::new() });
            }
            _ => blocks.last_mut().expect("never empty").options.push((key, value, i + 1)),
        }
    }
    Ok(())
}

/// A comma-separated pattern list, as in `Match host a,b,!c`.
fn list_matches(list: &str, name: &str) -> bool {
    let patterns: Vec<String> = list.split(',').map(String::from).collect();
    matches(&patterns, name)
}

fn local_user() -> String {
    std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "root".into())
}

/// The files of an `Include` line: `~` expanded, relative to `~/.ssh`, globs in the file name
/// expanded (sorted, as glob(3) returns them).
fn include_files(value: &str, home: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for word in value.split_whitespace() {
        let path = match word.strip_prefix("~/") {
            Some(rest) => home.join(rest),
            None if word.starts_with('/') => PathBuf::from(word),
            None => home.join(".ssh").join(word),
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !name.contains(['*', '?']) {
            files.push(path);
            continue;
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                !n.starts_with('.') && glob_match(&name, &n)
            })
            .map(|e| e.path())
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

/// glob(3) on a file name: case-sensitive, unlike host patterns.
fn glob_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
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

    #[test]
    fn includes_globs_and_conditional_inclusion() {
        let dir = tempfile::tempdir().unwrap();
        let ssh = dir.path().join(".ssh");
        std::fs::create_dir_all(ssh.join("cfg.d")).unwrap();
        std::fs::write(ssh.join("cfg.d/b.conf"), "Host tenant1-origin\n  HostName 10.1.0.1\n").unwrap();
        std::fs::write(ssh.join("cfg.d/a.conf"), "Host tenant1-*\n  User tenant1\n").unwrap();
        std::fs::write(ssh.join("cfg.d/skip.txt"), "Host *\n  User wrong\n").unwrap();
        std::fs::write(ssh.join("only-acme"), "User acme-admin\n").unwrap();
        assert_eq!(
            include_files("cfg.d/*.conf", dir.path()),
            vec![ssh.join("cfg.d/a.conf"), ssh.join("cfg.d/b.conf")]
        );
        let main = ssh.join("config");
        std::fs::write(
            &main,
            format!(
                "Include {}/cfg.d/*.conf\nHost *.acme\n  Include {}/only-acme\n  Port 2200\nHost *\n  User fallback\n",
                ssh.display(),
                ssh.display()
            ),
        )
        .unwrap();
        let cfg = SshConfig::load(&main).unwrap();
        let s = cfg.lookup("tenant1-origin", None, None);
        let hostname = s.hostname.unwrap();
        assert_eq!(hostname.value, "10.1.0.1");
        // Each setting names the file it was read from, an included one where so.
        assert_eq!(hostname.location(), format!("{}:2", ssh.join("cfg.d/b.conf").display()));
        let user = s.user.unwrap();
        assert_eq!(user.value, "tenant1");
        assert_eq!((user.file, user.line), (ssh.join("cfg.d/a.conf"), 2));
        let acme = cfg.lookup("bm.acme", None, None);
        assert_eq!(acme.user.unwrap().file, ssh.join("only-acme"), "an option before any Host");
        let port = acme.port.unwrap();
        assert_eq!(port.value, "2200", "the block goes on after its Include");
        assert_eq!((port.file, port.line), (main.clone(), 4), "back in the main file");
        assert_eq!(cfg.lookup("other", None, None).user.unwrap().value, "fallback");
        assert_eq!(cfg.lookup("other", None, None).port, None, "an Include inside a block is conditional");
    }

    #[test]
    fn match_criteria_as_openssh_evaluates_them() {
        let cfg = SshConfig::parse(
            Path::new("cfg"),
            "Host alias\n  HostName real.example\nMatch host real.example user ops\n  Port 2201\n\
             Match originalhost alias !user root\n  IdentityFile /k/alias\nMatch host !*.example,other\n  Port 2202\n\
             Match all\n  User fallback\n",
        );
        let s = cfg.lookup("alias", Some("ops"), None);
        assert_eq!(s.port.unwrap().value, "2201", "host matches the HostName");
        assert_eq!(s.identity_file.unwrap().value, "/k/alias");
        let root = cfg.lookup("alias", Some("root"), None);
        assert_eq!(root.port, None);
        assert_eq!(root.identity_file, None);
        assert_eq!(cfg.lookup("other", None, None).port.unwrap().value, "2202");
        assert_eq!(cfg.lookup("x", None, None).user.unwrap().value, "fallback");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        std::fs::write(&file, "Host a\n  User b\nMatch exec \"test -d /\"\n  User c\n").unwrap();
        assert_eq!(SshConfig::load(&file).unwrap().lookup("x", None, None).user.unwrap().value, "c");
        std::fs::write(&file, "Match host a exec\n  User c\n").unwrap();
        let err = SshConfig::load(&file).unwrap_err().to_string();
        assert!(err.contains(":1:") && err.contains("`Match exec` needs an argument"), "{err}");
    }
}

//! known_hosts, as OpenSSH writes and reads it: `host[,host...] keytype base64 [comment]`, with
//! `[host]:port` for other ports, hashed names (`|1|salt|hmac`, from `HashKnownHosts yes`),
//! wildcards (`*`, `?`) and negations (`!pattern`), and the `@revoked` marker.
//! (`@cert-authority` lines are read but host certificates are not accepted: bmfleet verifies
//! plain host keys.)
//!
//! The file is parsed once per run and shared by every connection; keys learnt with
//! `--accept-new-host-keys` are appended under a lock, one whole line per write.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use data_encoding::BASE64;
use hmac::{KeyInit, Mac};
use russh::keys::PublicKey;
use russh::keys::ssh_key::HashAlg;

#[derive(Debug, Clone)]
struct Entry {
    line: usize,
    marker: Option<Marker>,
    patterns: Vec<String>,
    key: PublicKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Revoked,
    CertAuthority,
}

/// What known_hosts says about the key a host presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The key is recorded for this host.
    Known,
    /// Nothing is recorded for this host.
    Unknown,
    /// Other keys are recorded for this host: a changed key, or a man in the middle.
    Changed { file: PathBuf, lines: Vec<usize> },
    /// The key is marked `@revoked`.
    Revoked { file: PathBuf, line: usize },
}

#[derive(Debug, Default)]
pub struct KnownHosts {
    path: PathBuf,
    entries: Mutex<Vec<Entry>>,
}

/// The name OpenSSH looks up: `host`, or `[host]:port` when the port is not 22.
pub fn lookup_name(host: &str, port: u16) -> String {
    if port == 22 { host.to_string() } else { format!("[{host}]:{port}") }
}

impl KnownHosts {
    /// Read a known_hosts file; a missing file is an empty one. Lines we cannot parse (an
    /// unsupported key type, say) are skipped, as OpenSSH does.
    pub fn load(path: &Path) -> std::io::Result<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(e),
        };
        Ok(KnownHosts { path: path.to_path_buf(), entries: Mutex::new(parse(&text)) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Key algorithms recorded for this host, so the connection can ask the server for one of
    /// them (otherwise a server may present a key type we have no record of).
    pub fn algorithms_for(&self, host: &str, port: u16) -> Vec<russh::keys::Algorithm> {
        let name = lookup_name(host, port);
        let entries = self.entries.lock().expect("known_hosts lock");
        let mut algs = Vec::new();
        for e in entries.iter().filter(|e| e.marker.is_none() && matches(&e.patterns, &name)) {
            let alg = e.key.algorithm();
            if !algs.contains(&alg) {
                algs.push(alg);
            }
        }
        algs
    }

    pub fn check(&self, host: &str, port: u16, key: &PublicKey) -> Verdict {
        let name = lookup_name(host, port);
        let entries = self.entries.lock().expect("known_hosts lock");
        if let Some(e) = entries.iter().find(|e| e.marker == Some(Marker::Revoked) && same_key(&e.key, key)) {
            return Verdict::Revoked { file: self.path.clone(), line: e.line };
        }
        let for_host: Vec<&Entry> =
            entries.iter().filter(|e| e.marker.is_none() && matches(&e.patterns, &name)).collect();
        if for_host.iter().any(|e| same_key(&e.key, key)) {
            Verdict::Known
        } else if for_host.is_empty() {
            Verdict::Unknown
        } else {
            Verdict::Changed { file: self.path.clone(), lines: for_host.iter().map(|e| e.line).collect() }
        }
    }

    /// Record a new host key (`--accept-new-host-keys`), in memory and at the end of the file.
    pub fn learn(&self, host: &str, port: u16, key: &PublicKey) -> std::io::Result<()> {
        let name = lookup_name(host, port);
        let mut entries = self.entries.lock().expect("known_hosts lock");
        if entries.iter().any(|e| e.marker.is_none() && matches(&e.patterns, &name) && same_key(&e.key, key))
        {
            return Ok(());
        }
        let base = key.to_openssh().map_err(std::io::Error::other)?;
        let mut words = base.split_whitespace();
        let (kind, blob) = (words.next().unwrap_or_default(), words.next().unwrap_or_default());
        let line = format!("{name} {kind} {blob}\n");
        if let Some(dir) = self.path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = OpenOptions::new().create(true).append(true).open(&self.path)?;
        file.write_all(line.as_bytes())?;
        let number = std::fs::read_to_string(&self.path).map(|t| t.lines().count()).unwrap_or(0);
        entries.push(Entry { line: number, marker: None, patterns: vec![name], key: key.clone() });
        Ok(())
    }
}

/// The line of an OpenSSH key without its comment: `ssh-ed25519 AAAA...`.
pub fn key_line(key: &PublicKey) -> String {
    let full = key.to_openssh().unwrap_or_default();
    full.split_whitespace().take(2).collect::<Vec<_>>().join(" ")
}

/// `SHA256:...`, as `ssh-keygen -l` prints it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

fn same_key(a: &PublicKey, b: &PublicKey) -> bool {
    a.key_data() == b.key_data()
}

fn parse(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split_whitespace();
        let mut first = fields.next().unwrap_or_default();
        let marker = match first {
            "@revoked" => Some(Marker::Revoked),
            "@cert-authority" => Some(Marker::CertAuthority),
            _ => None,
        };
        if marker.is_some() {
            first = fields.next().unwrap_or_default();
        }
        let (Some(kind), Some(blob)) = (fields.next(), fields.next()) else { continue };
        let Ok(key) = PublicKey::from_openssh(&format!("{kind} {blob}")) else { continue };
        entries.push(Entry {
            line: i + 1,
            marker,
            patterns: first.split(',').map(String::from).collect(),
            key,
        });
    }
    entries
}

/// Does a host-pattern list match `name`? A matching negated pattern vetoes the line.
fn matches(patterns: &[String], name: &str) -> bool {
    let mut hit = false;
    for pattern in patterns {
        if let Some(negated) = pattern.strip_prefix('!') {
            if wildcard_match(negated, name) {
                return false;
            }
        } else if pattern.starts_with("|1|") {
            hit |= hashed(pattern, name);
        } else if wildcard_match(pattern, name) {
            hit = true;
        }
    }
    hit
}

fn hashed(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.trim_start_matches("|1|").split('|');
    let (Some(salt), Some(hash)) = (parts.next(), parts.next()) else { return false };
    let (Ok(salt), Ok(hash)) = (BASE64.decode(salt.as_bytes()), BASE64.decode(hash.as_bytes())) else {
        return false;
    };
    let Ok(mut mac) = hmac::Hmac::<sha1::Sha1>::new_from_slice(&salt) else { return false };
    mac.update(name.as_bytes());
    mac.verify_slice(&hash).is_ok()
}

/// OpenSSH's `match_pattern`: `*` any run, `?` any one character, case-insensitive.
pub fn wildcard_match(pattern: &str, name: &str) -> bool {
    fn go(p: &[u8], n: &[u8]) -> bool {
        match (p.first(), n.first()) {
            (None, None) => true,
            (Some(b'*'), _) => go(&p[1..], n) || (!n.is_empty() && go(p, &n[1..])),
            (Some(b'?'), Some(_)) => go(&p[1..], &n[1..]),
            (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => go(&p[1..], &n[1..]),
            _ => false,
        }
    }
    go(pattern.as_bytes(), name.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY1: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJTGvsFNAtbgQBVgS+k0nIchV3XFFkps9v3FWc8RiUcz";
    const KEY2: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKrLYzK2tj7hDvZvvvtbU2H6VOk81FF/Fc7AdBsE74Tx";
    /// Made by `ssh-keygen -H` from `[10.1.2.3]:2222 KEY1` and `bm.example.org KEY2`.
    const HASHED: &str = "|1|fJ3Samnnukb/+CroALiFc3qPWys=|VnySqIGhKFRgwqAAOzYzyS2UKvw= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJTGvsFNAtbgQBVgS+k0nIchV3XFFkps9v3FWc8RiUcz\n\
|1|LIIUEDfbDH6QHWo+Z4p1CSIgvUQ=|5AFMkTd3lxBkeQAcWmuzGcCfFpo= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKrLYzK2tj7hDvZvvvtbU2H6VOk81FF/Fc7AdBsE74Tx\n";

    fn key(s: &str) -> PublicKey {
        PublicKey::from_openssh(s).unwrap()
    }

    fn known(text: &str) -> KnownHosts {
        KnownHosts { path: "kh".into(), entries: Mutex::new(parse(text)) }
    }

    #[test]
    fn hashed_entries_and_ports() {
        let kh = known(HASHED);
        assert_eq!(kh.check("10.1.2.3", 2222, &key(KEY1)), Verdict::Known);
        assert_eq!(kh.check("10.1.2.3", 22, &key(KEY1)), Verdict::Unknown);
        assert_eq!(kh.check("bm.example.org", 22, &key(KEY2)), Verdict::Known);
        assert_eq!(
            kh.check("bm.example.org", 22, &key(KEY1)),
            Verdict::Changed { file: "kh".into(), lines: vec![2] }
        );
    }

    #[test]
    fn plain_lists_wildcards_negations_and_revocations() {
        let text = format!(
            "# comment\n\nold,10.0.0.1 {KEY1} root@old\n*.example.com,!evil.example.com {KEY2}\n@revoked * {KEY1}\nbroken line\n"
        );
        let kh = known(&text);
        assert_eq!(kh.check("mx.example.com", 22, &key(KEY2)), Verdict::Known);
        assert_eq!(kh.check("MX.Example.com", 22, &key(KEY2)), Verdict::Known);
        assert_eq!(kh.check("evil.example.com", 22, &key(KEY2)), Verdict::Unknown);
        assert_eq!(kh.check("old", 22, &key(KEY1)), Verdict::Revoked { file: "kh".into(), line: 5 });
        assert_eq!(kh.algorithms_for("10.0.0.1", 22), vec![russh::keys::Algorithm::Ed25519]);
    }

    #[test]
    fn learning_appends_a_line_and_remembers_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/known_hosts");
        let kh = KnownHosts::load(&path).unwrap();
        assert_eq!(kh.check("h", 2200, &key(KEY1)), Verdict::Unknown);
        kh.learn("h", 2200, &key(KEY1)).unwrap();
        kh.learn("h", 2200, &key(KEY1)).unwrap();
        assert_eq!(kh.check("h", 2200, &key(KEY1)), Verdict::Known);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("[h]:2200 {KEY1}\n"));
        assert_eq!(
            KnownHosts::load(&path).unwrap().check("h", 2200, &key(KEY2)),
            Verdict::Changed { file: path, lines: vec![1] }
        );
    }

    #[test]
    fn wildcards_follow_openssh() {
        assert!(wildcard_match("*.example.com", "a.b.example.com"));
        assert!(wildcard_match("10.0.0.?", "10.0.0.7"));
        assert!(!wildcard_match("10.0.0.?", "10.0.0.17"));
        assert!(wildcard_match("[h]:*", "[h]:2222"));
    }
}

//! known_hosts, as OpenSSH writes and reads it: `host[,host...] keytype base64 [comment]`, with
//! `[host]:port` for other ports, hashed names (`|1|salt|hmac`, from `HashKnownHosts yes`),
//! wildcards (`*`, `?`) and negations (`!pattern`), and the `@revoked` and `@cert-authority`
//! markers.
//!
//! As OpenSSH does (`ssh.c` lower-cases the host name before any lookup), names are looked up
//! lower-cased: a hashed entry is the HMAC of the lower-cased name, so a host the inventory
//! spells `BM1.Example.org` must find the line `ssh` recorded for it; otherwise it would read
//! as unknown and `--accept-new-host-keys` would record whatever key a man in the middle shows.
//!
//! Several files are read as one, as OpenSSH reads every `UserKnownHostsFile` and
//! `GlobalKnownHostsFile`: the first file is the one learnt keys are appended to.
//!
//! A host certificate is accepted when an `@cert-authority` line matching the host names its
//! signer, the certificate is a host certificate, valid now, its principals (when it has any,
//! as OpenSSH accepts a certificate without principals) include the host name, and it carries no
//! critical option (none is defined for host certificates). A certificate no authority vouches
//! for is checked as the plain key it holds, as OpenSSH retries.
//!
//! The files are parsed once per run and shared by every connection; keys learnt with
//! `--accept-new-host-keys` are appended under a lock, one whole line per write.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use data_encoding::BASE64;
use hmac::{KeyInit, Mac};
use russh::keys::PublicKey;
use russh::keys::ssh_key::certificate::CertType;
use russh::keys::ssh_key::{Certificate, Fingerprint, HashAlg};

#[derive(Debug, Clone)]
struct Entry {
    /// Index in `KnownHosts::files`.
    file: usize,
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

/// What known_hosts says about the key a host presented. Places are `file:line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The key is recorded for this host (or a trusted authority signed its certificate).
    Known,
    /// Nothing is recorded for this host.
    Unknown,
    /// Other keys of the same type are recorded for this host: a changed key, or a man in the
    /// middle.
    Changed { at: Vec<String> },
    /// Only keys of other types are recorded for this host: the host no longer offers the
    /// type we know, which is not learnt as new either (a man in the middle would do that).
    OtherTypes { presented: String, known: Vec<String>, at: Vec<String> },
    /// The key (or the authority of its certificate) is marked `@revoked`.
    Revoked { at: String },
    /// A host certificate an authority of ours should vouch for, but does not.
    BadCertificate { reason: String },
}

#[derive(Debug, Default)]
pub struct KnownHosts {
    files: Vec<PathBuf>,
    entries: Mutex<Vec<Entry>>,
}

/// The name OpenSSH looks up: `host`, or `[host]:port` when the port is not 22, lower-cased.
pub fn lookup_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 { host } else { format!("[{host}]:{port}") }
}

impl KnownHosts {
    /// Read known_hosts files (the first one is where keys are learnt); a missing file is an
    /// empty one. Lines we cannot parse (an unsupported key type, say) are skipped, as OpenSSH
    /// does.
    pub fn load(files: &[PathBuf]) -> std::io::Result<Self> {
        let mut entries = Vec::new();
        for (index, path) in files.iter().enumerate() {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
                Err(e) => return Err(std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))),
            };
            entries.extend(parse(&text, index));
        }
        Ok(KnownHosts { files: files.to_vec(), entries: Mutex::new(entries) })
    }

    /// The file learnt keys go to.
    pub fn path(&self) -> &Path {
        self.files.first().map(PathBuf::as_path).unwrap_or(Path::new(""))
    }

    /// Every file read, for messages.
    pub fn describe(&self) -> String {
        self.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
    }

    fn place(&self, e: &Entry) -> String {
        format!("{}:{}", self.files[e.file].display(), e.line)
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

    /// Does an `@cert-authority` line vouch for this host? Then the connection asks for host
    /// certificates.
    pub fn has_authority_for(&self, host: &str, port: u16) -> bool {
        let name = lookup_name(host, port);
        let entries = self.entries.lock().expect("known_hosts lock");
        entries.iter().any(|e| e.marker == Some(Marker::CertAuthority) && matches(&e.patterns, &name))
    }

    pub fn check(&self, host: &str, port: u16, key: &PublicKey) -> Verdict {
        let name = lookup_name(host, port);
        let entries = self.entries.lock().expect("known_hosts lock");
        if let Some(e) = entries.iter().find(|e| e.marker == Some(Marker::Revoked) && same_key(&e.key, key)) {
            return Verdict::Revoked { at: self.place(e) };
        }
        let for_host: Vec<&Entry> =
            entries.iter().filter(|e| e.marker.is_none() && matches(&e.patterns, &name)).collect();
        if for_host.iter().any(|e| same_key(&e.key, key)) {
            return Verdict::Known;
        }
        if for_host.is_empty() {
            return Verdict::Unknown;
        }
        let same_type: Vec<&&Entry> =
            for_host.iter().filter(|e| e.key.algorithm() == key.algorithm()).collect();
        if same_type.is_empty() {
            let mut known: Vec<String> = for_host.iter().map(|e| e.key.algorithm().to_string()).collect();
            known.dedup();
            return Verdict::OtherTypes {
                presented: key.algorithm().to_string(),
                known,
                at: for_host.iter().map(|e| self.place(e)).collect(),
            };
        }
        Verdict::Changed { at: same_type.iter().map(|e| self.place(e)).collect() }
    }

    /// A host certificate, checked at `now` (seconds since the epoch), as OpenSSH's
    /// `sshkey_cert_check_host` does.
    pub fn check_certificate(&self, host: &str, port: u16, cert: &Certificate, now: u64) -> Verdict {
        let name = lookup_name(host, port);
        let plain = PublicKey::from(cert.public_key().clone());
        let authorities: Vec<Fingerprint> = {
            let entries = self.entries.lock().expect("known_hosts lock");
            if let Some(e) = entries
                .iter()
                .find(|e| e.marker == Some(Marker::Revoked) && e.key.key_data() == cert.signature_key())
            {
                return Verdict::Revoked { at: self.place(e) };
            }
            entries
                .iter()
                .filter(|e| e.marker == Some(Marker::CertAuthority) && matches(&e.patterns, &name))
                .map(|e| e.key.fingerprint(HashAlg::Sha256))
                .collect()
        };
        if authorities.is_empty() {
            return self.check(host, port, &plain);
        }
        if let Verdict::Revoked { at } = self.check(host, port, &plain) {
            return Verdict::Revoked { at };
        }
        let bad = |reason: &str| Verdict::BadCertificate { reason: reason.to_string() };
        if cert.cert_type() != CertType::Host {
            return bad("it is a user certificate, not a host certificate");
        }
        if cert.validate_at(now, &authorities).is_err() {
            return bad(&format!(
                "it is not signed by an @cert-authority trusted for {name}, or not valid now (valid {} to {})",
                cert.valid_after(),
                cert.valid_before()
            ));
        }
        let host_lc = host.to_ascii_lowercase();
        if !cert.valid_principals().is_empty() && !cert.valid_principals().contains(&host_lc) {
            return bad(&format!(
                "its principals ({}) do not include {host_lc}",
                cert.valid_principals().join(", ")
            ));
        }
        if !cert.critical_options().is_empty() {
            return bad("it carries critical options, which no host certificate should");
        }
        Verdict::Known
    }

    /// Record a new host key (`--accept-new-host-keys`), in memory and at the end of the first
    /// file.
    pub fn learn(&self, host: &str, port: u16, key: &PublicKey) -> std::io::Result<()> {
        let name = lookup_name(host, port);
        let path = self.path().to_path_buf();
        let mut entries = self.entries.lock().expect("known_hosts lock");
        if entries.iter().any(|e| e.marker.is_none() && matches(&e.patterns, &name) && same_key(&e.key, key))
        {
            return Ok(());
        }
        let base = key.to_openssh().map_err(std::io::Error::other)?;
        let mut words = base.split_whitespace();
        let (kind, blob) = (words.next().unwrap_or_default(), words.next().unwrap_or_default());
        let line = format!("{name} {kind} {blob}\n");
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = OpenOptions::new().create(true).append(true).open(&path)?;
        file.write_all(line.as_bytes())?;
        let number = std::fs::read_to_string(&path).map(|t| t.lines().count()).unwrap_or(0);
        entries.push(Entry { file: 0, line: number, marker: None, patterns: vec![name], key: key.clone() });
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

fn parse(text: &str, file: usize) -> Vec<Entry> {
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
            file,
            line: i + 1,
            marker,
            patterns: first.split(',').map(String::from).collect(),
            key,
        });
    }
    entries
}

/// Does a host-pattern list match `name` (lower-cased)? A matching negated pattern vetoes the
/// line.
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
        KnownHosts { files: vec!["kh".into()], entries: Mutex::new(parse(text, 0)) }
    }

    #[test]
    fn hashed_entries_and_ports() {
        let kh = known(HASHED);
        assert_eq!(kh.check("10.1.2.3", 2222, &key(KEY1)), Verdict::Known);
        assert_eq!(kh.check("10.1.2.3", 22, &key(KEY1)), Verdict::Unknown);
        assert_eq!(kh.check("bm.example.org", 22, &key(KEY2)), Verdict::Known);
        assert_eq!(kh.check("bm.example.org", 22, &key(KEY1)), Verdict::Changed { at: vec!["kh:2".into()] });
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
        assert_eq!(kh.check("old", 22, &key(KEY1)), Verdict::Revoked { at: "kh:5".into() });
        assert_eq!(kh.algorithms_for("10.0.0.1", 22), vec![russh::keys::Algorithm::Ed25519]);
    }

    #[test]
    fn learning_appends_a_line_and_remembers_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/known_hosts");
        let kh = KnownHosts::load(std::slice::from_ref(&path)).unwrap();
        assert_eq!(kh.check("h", 2200, &key(KEY1)), Verdict::Unknown);
        kh.learn("h", 2200, &key(KEY1)).unwrap();
        kh.learn("h", 2200, &key(KEY1)).unwrap();
        assert_eq!(kh.check("h", 2200, &key(KEY1)), Verdict::Known);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("[h]:2200 {KEY1}\n"));
        assert_eq!(
            KnownHosts::load(std::slice::from_ref(&path)).unwrap().check("h", 2200, &key(KEY2)),
            Verdict::Changed { at: vec![format!("{}:1", path.display())] }
        );
    }

    #[test]
    fn wildcards_follow_openssh() {
        assert!(wildcard_match("*.example.com", "a.b.example.com"));
        assert!(wildcard_match("10.0.0.?", "10.0.0.7"));
        assert!(!wildcard_match("10.0.0.?", "10.0.0.17"));
        assert!(wildcard_match("[h]:*", "[h]:2222"));
    }

    /// OpenSSH hashes the lower-cased name: a host spelt with capitals is the recorded host.
    #[test]
    fn hashed_names_are_matched_lower_cased() {
        let kh = known(HASHED);
        assert_eq!(kh.check("BM.Example.ORG", 22, &key(KEY2)), Verdict::Known);
        assert_eq!(kh.check("BM.Example.ORG", 22, &key(KEY1)), Verdict::Changed { at: vec!["kh:2".into()] });
        assert_eq!(lookup_name("BM.Example.org", 2222), "[bm.example.org]:2222");
    }

    const RSA: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDOO4teAlQECjm/QpCHTbLlEsasBVq/QePHXy4+LnYulY7lWykvgV0bME3lqkyIY+pURq2id6FvxhcZAxx5f69ZI8B6pgWElry8bcBS3UFOYP+9i07AGI7BlcB7qFQR+IJyc8h20jGLjqKLd1D6vyZDdDxxFof8J3Mm0DD+aokMSw==";

    #[test]
    fn another_key_type_is_not_a_changed_key() {
        let kh = known(&format!("h {RSA}\n"));
        assert_eq!(
            kh.check("h", 22, &key(KEY1)),
            Verdict::OtherTypes {
                presented: "ssh-ed25519".into(),
                known: vec!["ssh-rsa".into()],
                at: vec!["kh:1".into()]
            }
        );
    }

    #[test]
    fn several_files_are_read_as_one_and_learning_writes_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let (user, global) = (dir.path().join("user"), dir.path().join("global"));
        std::fs::write(&global, format!("g {KEY1}\n")).unwrap();
        let kh = KnownHosts::load(&[user.clone(), global.clone()]).unwrap();
        assert_eq!(kh.check("g", 22, &key(KEY1)), Verdict::Known);
        assert_eq!(
            kh.check("g", 22, &key(KEY2)),
            Verdict::Changed { at: vec![format!("{}:1", global.display())] }
        );
        kh.learn("new", 22, &key(KEY2)).unwrap();
        assert_eq!(std::fs::read_to_string(&user).unwrap(), format!("new {KEY2}\n"));
        assert_eq!(std::fs::read_to_string(&global).unwrap(), format!("g {KEY1}\n"));
    }

    /// Made with `ssh-keygen -s ca -h -I bm1 -n bm1.example.org,10.1.2.3 -V 20200101:20990101`.
    const CA: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBo3b0p/VNsYdKaZDPQv63QHEQ707iTIwAmAeSwhARyE";
    const HOST_CERT: &str = "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIJ5K1e8uXTn12OKsgv5nRxzbVdhduHHblKPBQAcqyGonAAAAIK1/7Va5JCXZeAFx0ImDvtgqENGVhqmQjGZZZMgd/5wlAAAAAAAAAAAAAAACAAAAA2JtMQAAAB8AAAAPYm0xLmV4YW1wbGUub3JnAAAACDEwLjEuMi4zAAAAAF4L4QAAAAAA8qUjgAAAAAAAAAAAAAAAAAAAADMAAAALc3NoLWVkMjU1MTkAAAAgGjdvSn9U2xh0ppkM9C/rdAcRDvTuJMjACYB5LCEBHIQAAABTAAAAC3NzaC1lZDI1NTE5AAAAQA3tBvET2m4JiwMRLexOF6TevpLgMpQI424UdP4l8AnB/meVsJAd1AjJS2NbBb3lztywxzMhtTl10wP9bER5yQo=";
    /// The same host key, valid one day of 2020 only.
    const EXPIRED: &str = "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIG9YvY3m7q9lm2c4A3pW9FIlCRqaDwbkbMPxfN965GwHAAAAIK1/7Va5JCXZeAFx0ImDvtgqENGVhqmQjGZZZMgd/5wlAAAAAAAAAAAAAAACAAAAA29sZAAAABMAAAAPYm0xLmV4YW1wbGUub3JnAAAAAF4L4QAAAAAAXg0ygAAAAAAAAAAAAAAAAAAAADMAAAALc3NoLWVkMjU1MTkAAAAgGjdvSn9U2xh0ppkM9C/rdAcRDvTuJMjACYB5LCEBHIQAAABTAAAAC3NzaC1lZDI1NTE5AAAAQLZ3jrm0dZ6MftKD6eB52ZmLwifh6PlvtdwPZKiqH4G0Z/DquU73avydvhizwzPQnn5UpBLx+LaNLCHRIuVXFAk=";
    /// The same key signed as a user certificate.
    const USER_CERT: &str = "ssh-ed25519-cert-v01@openssh.com AAAAIHNzaC1lZDI1NTE5LWNlcnQtdjAxQG9wZW5zc2guY29tAAAAIIqJAgY1dCoj1JFSCaBhVHe6Qx9WunPMFD3IbQJmjypxAAAAIK1/7Va5JCXZeAFx0ImDvtgqENGVhqmQjGZZZMgd/5wlAAAAAAAAAAAAAAABAAAABHVzZXIAAAATAAAAD2JtMS5leGFtcGxlLm9yZwAAAABeC+EAAAAAAPKlI4AAAAAAAAAAggAAABVwZXJtaXQtWDExLWZvcndhcmRpbmcAAAAAAAAAF3Blcm1pdC1hZ2VudC1mb3J3YXJkaW5nAAAAAAAAABZwZXJtaXQtcG9ydC1mb3J3YXJkaW5nAAAAAAAAAApwZXJtaXQtcHR5AAAAAAAAAA5wZXJtaXQtdXNlci1yYwAAAAAAAAAAAAAAMwAAAAtzc2gtZWQyNTUxOQAAACAaN29Kf1TbGHSmmQz0L+t0BxEO9O4kyMAJgHksIQEchAAAAFMAAAALc3NoLWVkMjU1MTkAAABAQI3Prt9iG7jbdtKeD1C9jk0BEf/B2kNQP5glUV5dS/lxGpO0QpKuTAHag9r3wB+j+sy2Ea61cZFUIfSHZfvyDQ==";
    const NOW: u64 = 1_800_000_000;

    fn cert(s: &str) -> Certificate {
        Certificate::from_openssh(s).unwrap()
    }

    #[test]
    fn host_certificates_signed_by_a_trusted_authority() {
        let kh = known(&format!("@cert-authority *.example.org,10.1.2.3 {CA}\n"));
        assert!(kh.has_authority_for("BM1.example.org", 22));
        assert!(!kh.has_authority_for("other.net", 22));
        assert_eq!(kh.check_certificate("bm1.example.org", 22, &cert(HOST_CERT), NOW), Verdict::Known);
        assert_eq!(kh.check_certificate("BM1.Example.org", 22, &cert(HOST_CERT), NOW), Verdict::Known);
        assert_eq!(kh.check_certificate("10.1.2.3", 22, &cert(HOST_CERT), NOW), Verdict::Known);
        let refused = |host: &str, c: &str| {
            matches!(kh.check_certificate(host, 22, &cert(c), NOW), Verdict::BadCertificate { .. })
        };
        assert!(refused("bm2.example.org", HOST_CERT), "a principal of another host");
        assert!(refused("bm1.example.org", EXPIRED), "expired");
        assert!(refused("bm1.example.org", USER_CERT), "a user certificate");
        // No authority for this host: the plain key inside is what is checked.
        assert_eq!(kh.check_certificate("other.net", 22, &cert(HOST_CERT), NOW), Verdict::Unknown);
        // Another authority's signature is not ours.
        let other = known(&format!("@cert-authority * {KEY1}\n"));
        assert!(matches!(
            other.check_certificate("bm1.example.org", 22, &cert(HOST_CERT), NOW),
            Verdict::BadCertificate { .. }
        ));
        let revoked = known(&format!("@cert-authority * {CA}\n@revoked * {CA}\n"));
        assert_eq!(
            revoked.check_certificate("bm1.example.org", 22, &cert(HOST_CERT), NOW),
            Verdict::Revoked { at: "kh:2".into() }
        );
    }
}

//! Client authentication: the ssh-agent and key files, as OpenSSH would try them.
//!
//! Key files are read once per run, before any connection: a key readable by others, a wrong
//! passphrase or an unreadable file stops the run as bad input, with what to do, instead of
//! failing the same way on every host.

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use russh::keys::{PrivateKey, PrivateKeyWithHashAlg};

use crate::diag::Diagnostic;
use crate::error::{Error, Result};

/// Environment variable holding the passphrase of encrypted key files (else a prompt on a TTY).
pub const PASSPHRASE_ENV: &str = "BMFLEET_KEY_PASSPHRASE";

/// Keys OpenSSH tries when none is configured.
const DEFAULT_KEYS: &[&str] = &[".ssh/id_ed25519", ".ssh/id_ecdsa", ".ssh/id_rsa"];

/// The keys of a run, loaded once.
#[derive(Default)]
pub struct Keys {
    by_path: HashMap<PathBuf, Arc<PrivateKey>>,
    defaults: Vec<(PathBuf, Arc<PrivateKey>)>,
}

impl Keys {
    /// Load every identity file the selected hosts name (and the default keys when some host
    /// names none). `None` in `files` means "agent and default keys".
    pub fn load<'a>(files: impl IntoIterator<Item = Option<&'a Path>>) -> Result<Keys> {
        let mut keys = Keys::default();
        let mut want_defaults = false;
        for file in files {
            match file {
                Some(path) if !keys.by_path.contains_key(path) => {
                    let key = load_key(path)?;
                    keys.by_path.insert(path.to_path_buf(), Arc::new(key));
                }
                Some(_) => {}
                None => want_defaults = true,
            }
        }
        if want_defaults {
            let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
            for rel in DEFAULT_KEYS {
                let path = home.join(rel);
                if path.is_file() {
                    // A broken default key is skipped, as OpenSSH does; the agent may do.
                    if let Ok(key) = load_key(&path) {
                        keys.defaults.push((path, Arc::new(key)));
                    }
                }
            }
        }
        Ok(keys)
    }

    /// The keys to try for a host, in order, with their names for error messages.
    pub fn candidates(&self, identity_file: Option<&Path>) -> Vec<(String, Arc<PrivateKey>)> {
        match identity_file {
            Some(path) => self
                .by_path
                .get(path)
                .map(|k| vec![(path.display().to_string(), k.clone())])
                .unwrap_or_default(),
            None => self.defaults.iter().map(|(p, k)| (p.display().to_string(), k.clone())).collect(),
        }
    }
}

fn load_key(path: &Path) -> Result<PrivateKey> {
    let bad = |message: String, help: &str| Error::input(Diagnostic::new(message).help(help));
    let meta = std::fs::metadata(path).map_err(|e| {
        bad(
            format!("cannot read the key file {}: {e}", path.display()),
            "check `identity_file` in the inventory",
        )
    })?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(bad(
            format!(
                "the key file {} is readable by other users (mode {:o}); refusing it, as OpenSSH does",
                path.display(),
                meta.permissions().mode() & 0o777
            ),
            &format!("run `chmod 600 {}`", path.display()),
        ));
    }
    match russh::keys::load_secret_key(path, None) {
        Ok(key) => Ok(key),
        Err(russh::keys::Error::KeyIsEncrypted) => {
            let passphrase = passphrase_for(path)?;
            russh::keys::load_secret_key(path, Some(&passphrase)).map_err(|_| {
                bad(
                    format!("wrong passphrase for the key file {}", path.display()),
                    &format!("set {PASSPHRASE_ENV} to the key's passphrase, or load the key into ssh-agent"),
                )
            })
        }
        Err(e) => Err(bad(
            format!("cannot load the key file {}: {e}", path.display()),
            "use an OpenSSH private key file",
        )),
    }
}

fn passphrase_for(path: &Path) -> Result<String> {
    if let Ok(p) = std::env::var(PASSPHRASE_ENV) {
        return Ok(p);
    }
    crate::tty::prompt_secret(&format!("Passphrase for {}: ", path.display())).ok_or_else(|| {
        Error::input(
            Diagnostic::new(format!(
                "the key file {} is encrypted and no passphrase was given",
                path.display()
            ))
            .help(format!(
                "set {PASSPHRASE_ENV}, run on a terminal to be asked, or load the key into ssh-agent"
            )),
        )
    })
}

/// Authenticate on a fresh connection: agent identities first (when no key file is named),
/// then key files. Returns what was tried when nothing worked.
pub async fn authenticate<H: russh::client::Handler>(
    handle: &mut russh::client::Handle<H>,
    user: &str,
    identity_file: Option<&Path>,
    keys: &Keys,
) -> std::result::Result<(), Vec<String>> {
    let mut tried = Vec::new();
    if identity_file.is_none()
        && let Ok(mut agent) = russh::keys::agent::client::AgentClient::connect_env().await
        && let Ok(identities) = agent.request_identities().await
    {
        for identity in identities {
            let russh::keys::agent::AgentIdentity::PublicKey { key, comment } = identity else { continue };
            let hash = handle.best_supported_rsa_hash().await.ok().flatten().flatten();
            tried.push(format!("agent key {comment}"));
            if let Ok(result) = handle.authenticate_publickey_with(user, key, hash, &mut agent).await
                && result.success()
            {
                return Ok(());
            }
        }
    }
    for (name, key) in keys.candidates(identity_file) {
        let hash = handle.best_supported_rsa_hash().await.ok().flatten().flatten();
        tried.push(name);
        if let Ok(result) = handle.authenticate_publickey(user, PrivateKeyWithHashAlg::new(key, hash)).await
            && result.success()
        {
            return Ok(());
        }
    }
    Err(tried)
}

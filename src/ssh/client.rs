//! Opening a connection: TCP (with a timeout and TCP_NODELAY), the SSH handshake with host key
//! verification, authentication, and a bound on the channels open at once.
//!
//! russh pitfalls handled here (see DESIGN.md): keepalives are always on (without them a dead
//! peer ends channels silently, with no exit status); the host key algorithms we ask for are
//! ordered by what known_hosts holds for the host, so the server presents a key we can check.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, Handle};
use russh::keys::PublicKey;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::auth::{Keys, authenticate};
use super::known_hosts::{KnownHosts, Verdict, fingerprint, key_line, lookup_name};
use crate::inventory::Endpoint;

/// Channels open at once on one connection: under OpenSSH's default `MaxSessions 10`.
pub const MAX_CHANNELS: usize = 8;

#[derive(Debug, Clone)]
pub struct SshOptions {
    /// Record the keys of unknown hosts instead of refusing them.
    pub accept_new_host_keys: bool,
    /// Interval of keepalives; a peer silent for `keepalive * keepalive_max` is dead.
    pub keepalive: Duration,
    pub keepalive_max: usize,
}

impl Default for SshOptions {
    fn default() -> Self {
        SshOptions { accept_new_host_keys: false, keepalive: Duration::from_secs(10), keepalive_max: 3 }
    }
}

/// What every connection of a run shares: known_hosts files (parsed once), keys, options.
pub struct Trust {
    known_hosts: Mutex<HashMap<PathBuf, Arc<KnownHosts>>>,
    keys: Keys,
    options: SshOptions,
}

impl Trust {
    pub fn new(keys: Keys, options: SshOptions) -> Self {
        Trust { known_hosts: Mutex::new(HashMap::new()), keys, options }
    }

    fn known_hosts(&self, path: &Path) -> std::io::Result<Arc<KnownHosts>> {
        let mut map = self.known_hosts.lock().expect("known_hosts map");
        if let Some(kh) = map.get(path) {
            return Ok(kh.clone());
        }
        let kh = Arc::new(KnownHosts::load(path)?);
        map.insert(path.to_path_buf(), kh.clone());
        Ok(kh)
    }

    pub fn options(&self) -> &SshOptions {
        &self.options
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot connect to {addr}: {message}")]
    Tcp { addr: String, message: String },
    #[error("no SSH answer from {addr} within {secs} s")]
    Timeout { addr: String, secs: u64 },
    #[error(
        "unknown host key for {name} ({fingerprint}); it is not in {file}. Check the fingerprint with the host's \
         administrator, then add it (`ssh-keyscan` or one `ssh` login), or rerun with --accept-new-host-keys to record it"
    )]
    HostKeyUnknown { name: String, fingerprint: String, file: String },
    #[error(
        "HOST KEY CHANGED for {name}: it presents {fingerprint} ({key}), but {file} line(s) {lines} hold another key. \
         This may be a man-in-the-middle attack; bmfleet refuses it. If the host was reinstalled, remove the old key \
         with `ssh-keygen -R '{name}' -f {file}` and verify the new one"
    )]
    HostKeyChanged { name: String, fingerprint: String, key: String, file: String, lines: String },
    #[error("the host key of {name} ({fingerprint}) is marked @revoked in {file} line {line}; refusing it")]
    HostKeyRevoked { name: String, fingerprint: String, file: String, line: usize },
    #[error("cannot read known_hosts {file}: {message}")]
    KnownHosts { file: String, message: String },
    #[error(
        "permission denied for {user}@{name}: tried {tried}; authorize one of these keys for {user} on the host"
    )]
    Auth { user: String, name: String, tried: String },
    #[error("SSH failure with {name}: {message}")]
    Protocol { name: String, message: String },
}

/// What the handler saw of the server key, to explain a refusal after the handshake fails.
#[derive(Default)]
struct Seen {
    key: Option<PublicKey>,
    verdict: Option<Verdict>,
}

struct Handler {
    host: String,
    port: u16,
    known_hosts: Arc<KnownHosts>,
    accept_new: bool,
    seen: Arc<Mutex<Seen>>,
}

impl client::Handler for Handler {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_key: &russh::keys::PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } = server_key else {
            // A host certificate: we verify plain keys only (see known_hosts.rs).
            return Ok(false);
        };
        let mut verdict = self.known_hosts.check(&self.host, self.port, key);
        if verdict == Verdict::Unknown
            && self.accept_new
            && self.known_hosts.learn(&self.host, self.port, key).is_ok()
        {
            verdict = Verdict::Known;
        }
        let ok = verdict == Verdict::Known;
        let mut seen = self.seen.lock().expect("seen");
        seen.key = Some(key.clone());
        seen.verdict = Some(verdict);
        Ok(ok)
    }
}

/// An authenticated connection to one host.
pub struct Connection {
    handle: Handle<Handler>,
    host_key: PublicKey,
    channels: Arc<Semaphore>,
    pub name: String,
}

impl Connection {
    pub async fn open(endpoint: &Endpoint, trust: &Trust) -> Result<Connection, ConnectError> {
        let name = lookup_name(&endpoint.host, endpoint.port);
        let addr = format!("{}:{}", endpoint.host, endpoint.port);
        let known_hosts = trust.known_hosts(&endpoint.known_hosts).map_err(|e| ConnectError::KnownHosts {
            file: endpoint.known_hosts.display().to_string(),
            message: e.to_string(),
        })?;

        let mut preferred = russh::Preferred::default();
        let known_algs = known_hosts.algorithms_for(&endpoint.host, endpoint.port);
        if !known_algs.is_empty() {
            let mut order = Vec::new();
            for alg in known_algs {
                if let russh::keys::Algorithm::Rsa { .. } = alg {
                    // known_hosts says `ssh-rsa`; ask for the SHA-2 signatures first.
                    order.extend(
                        preferred
                            .key
                            .iter()
                            .filter(|a| matches!(a, russh::keys::Algorithm::Rsa { .. }))
                            .cloned(),
                    );
                } else {
                    order.push(alg);
                }
            }
            for alg in preferred.key.iter() {
                if !order.contains(alg) {
                    order.push(alg.clone());
                }
            }
            preferred.key = order.into();
        }
        let config = Arc::new(client::Config {
            keepalive_interval: Some(trust.options.keepalive),
            keepalive_max: trust.options.keepalive_max,
            nodelay: true,
            preferred,
            ..Default::default()
        });
        let seen = Arc::new(Mutex::new(Seen::default()));
        let handler = Handler {
            host: endpoint.host.clone(),
            port: endpoint.port,
            known_hosts: known_hosts.clone(),
            accept_new: trust.options.accept_new_host_keys,
            seen: seen.clone(),
        };

        let timeout = endpoint.connect_timeout;
        let connect = async {
            let socket = tokio::net::TcpStream::connect((endpoint.host.as_str(), endpoint.port))
                .await
                .map_err(|e| ConnectError::Tcp { addr: addr.clone(), message: e.to_string() })?;
            let _ = socket.set_nodelay(true);
            client::connect_stream(config, socket, handler).await.map_err(|e| {
                explain_refusal(&seen, &name, &known_hosts)
                    .unwrap_or(ConnectError::Protocol { name: name.clone(), message: e.to_string() })
            })
        };
        let mut handle = tokio::time::timeout(timeout, connect)
            .await
            .map_err(|_| ConnectError::Timeout { addr: addr.clone(), secs: timeout.as_secs() })??;

        let auth = tokio::time::timeout(
            timeout,
            authenticate(&mut handle, &endpoint.user, endpoint.identity_file.as_deref(), &trust.keys),
        )
        .await
        .map_err(|_| ConnectError::Timeout { addr: addr.clone(), secs: timeout.as_secs() })?;
        if let Err(tried) = auth {
            let tried = if tried.is_empty() {
                "no key (no agent, no identity_file, no ~/.ssh/id_*)".to_string()
            } else {
                tried.join(", ")
            };
            return Err(ConnectError::Auth { user: endpoint.user.clone(), name, tried });
        }
        let host_key =
            seen.lock().expect("seen").key.clone().expect("a key was checked during the handshake");
        Ok(Connection { handle, host_key, channels: Arc::new(Semaphore::new(MAX_CHANNELS)), name })
    }

    /// The host key the server proved it holds, verified against known_hosts.
    pub fn host_key(&self) -> &PublicKey {
        &self.host_key
    }

    /// `ssh-ed25519 AAAA...`: the verified host key as a known_hosts key field.
    pub fn host_key_line(&self) -> String {
        key_line(&self.host_key)
    }

    /// Open an exec channel, waiting for a free slot under `MAX_CHANNELS`.
    pub async fn channel(
        &self,
    ) -> Result<(russh::Channel<russh::client::Msg>, OwnedSemaphorePermit), russh::Error> {
        let permit = self.channels.clone().acquire_owned().await.expect("semaphore never closed");
        let channel = self.handle.channel_open_session().await?;
        Ok((channel, permit))
    }

    pub fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }

    pub async fn close(&self) {
        let _ = self.handle.disconnect(russh::Disconnect::ByApplication, "", "en").await;
    }
}

fn explain_refusal(seen: &Mutex<Seen>, name: &str, known_hosts: &KnownHosts) -> Option<ConnectError> {
    let seen = seen.lock().ok()?;
    let key = seen.key.as_ref()?;
    let file = known_hosts.path().display().to_string();
    Some(match seen.verdict.clone()? {
        Verdict::Known => return None,
        Verdict::Unknown => {
            ConnectError::HostKeyUnknown { name: name.to_string(), fingerprint: fingerprint(key), file }
        }
        Verdict::Changed { lines, .. } => ConnectError::HostKeyChanged {
            name: name.to_string(),
            fingerprint: fingerprint(key),
            key: key_line(key),
            file,
            lines: lines.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(", "),
        },
        Verdict::Revoked { line, .. } => {
            ConnectError::HostKeyRevoked { name: name.to_string(), fingerprint: fingerprint(key), file, line }
        }
    })
}

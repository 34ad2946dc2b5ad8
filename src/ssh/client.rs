//! Opening a connection: TCP (with a timeout and TCP_NODELAY), the SSH handshake with host key
//! verification, authentication, and a bound on the channels open at once.
//!
//! russh pitfalls handled here (see DESIGN.md): keepalives are always on (without them a dead
//! peer ends channels silently, with no exit status); the host key algorithms we ask for are
//! ordered by what known_hosts holds for the host, so the server presents a key we can check.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::client::{self, Handle};
use russh::keys::PublicKey;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::auth::{Keys, authenticate};
use super::endpoint::{Endpoint, Hop};
use super::known_hosts::{KnownHosts, Verdict, fingerprint, key_line, lookup_name};

/// Channels open at once on one connection: under OpenSSH's default `MaxSessions 10`.
pub const MAX_CHANNELS: usize = 8;

/// Handshakes (TCP, key exchange, host key check, authentication) in flight at once, whatever
/// `--forks` says. A handshake is CPU work on both ends (an X25519 exchange, signatures made and
/// checked); started all at once, a thousand of them share the cores and every one of them ends
/// late, so hosts that answer fine fail their connect timeout (bench/README.md "Fan-out at 1000
/// hosts": 453 of 500 pairs "no SSH answer within 10 s" at load 26). Queued instead, each one
/// takes its own few milliseconds, and its timeout starts when its turn does. 64 keep a LAN's
/// round trips covered (64 handshakes of ~5 ms each: over 10,000 a second, far beyond what one
/// controller's cores can do).
pub const HANDSHAKES_IN_FLIGHT: usize = 64;

#[derive(Debug, Clone)]
pub struct SshOptions {
    /// Record the keys of unknown hosts instead of refusing them.
    pub accept_new_host_keys: bool,
    /// Interval of keepalives; a peer silent for `keepalive * keepalive_max` is dead.
    pub keepalive: Duration,
    pub keepalive_max: usize,
    /// Handshakes at once (`HANDSHAKES_IN_FLIGHT`; tests lower it).
    pub handshakes: usize,
}

impl Default for SshOptions {
    fn default() -> Self {
        SshOptions {
            accept_new_host_keys: false,
            keepalive: Duration::from_secs(10),
            keepalive_max: 3,
            handshakes: HANDSHAKES_IN_FLIGHT,
        }
    }
}

/// A connection to a jump host, opened once and shared by every host behind it.
type SharedHop = Arc<tokio::sync::OnceCell<Result<Arc<Connection>, String>>>;

/// What every connection of a run shares: known_hosts files (parsed once), keys, options, the
/// connections to jump hosts, and sudo passwords.
pub struct SshContext {
    known_hosts: Mutex<HashMap<Vec<PathBuf>, Arc<KnownHosts>>>,
    keys: Keys,
    options: SshOptions,
    hops: Mutex<HashMap<String, SharedHop>>,
    /// Sudo passwords, by the name of the environment variable they were read from.
    become_passwords: HashMap<String, String>,
    /// Turns to handshake (`HANDSHAKES_IN_FLIGHT`).
    handshakes: Semaphore,
}

impl SshContext {
    pub fn new(keys: Keys, options: SshOptions) -> Self {
        SshContext {
            known_hosts: Mutex::new(HashMap::new()),
            keys,
            handshakes: Semaphore::new(options.handshakes.max(1)),
            options,
            hops: Mutex::new(HashMap::new()),
            become_passwords: HashMap::new(),
        }
    }

    pub fn with_become_passwords(mut self, passwords: HashMap<String, String>) -> Self {
        self.become_passwords = passwords;
        self
    }

    /// Values to mask in every output (sudo passwords).
    pub fn secrets(&self) -> impl Iterator<Item = &String> {
        self.become_passwords.values()
    }

    /// The connection to the last hop of `chain`, through the hops before it, opened once.
    fn hop<'a>(
        &'a self,
        chain: &'a [Hop],
        template: &'a Endpoint,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Arc<Connection>, ConnectError>> + Send + 'a>>
    {
        Box::pin(async move {
            let key = chain.iter().map(Hop::display).collect::<Vec<_>>().join(" > ");
            let cell = self.hops.lock().expect("hops").entry(key.clone()).or_default().clone();
            let last = chain.last().expect("a chain has hops");
            let endpoint = Endpoint {
                host: last.host.clone(),
                address: last.host.clone(),
                port: last.port,
                user: last.user.clone(),
                identity_file: last.identity_file.clone().or_else(|| template.identity_file.clone()),
                known_hosts: last.known_hosts.as_ref().map_or(template.known_hosts.clone(), |k| k.0.clone()),
                known_hosts_also: last
                    .known_hosts
                    .as_ref()
                    .map_or(template.known_hosts_also.clone(), |k| k.1.clone()),
                jump: chain[..chain.len() - 1].to_vec(),
                r#become: None,
                sources: Default::default(),
                ..template.clone()
            };
            cell.get_or_init(|| async {
                Connection::open(&endpoint, self)
                    .await
                    .map(Arc::new)
                    .map_err(|e| format!("jump host {key}: {e}"))
            })
            .await
            .clone()
            .map_err(|message| ConnectError::Jump { message })
        })
    }

    /// The known_hosts files of an endpoint, read once per run (the first is written to).
    fn known_hosts(&self, endpoint: &Endpoint) -> std::io::Result<Arc<KnownHosts>> {
        let files: Vec<PathBuf> =
            std::iter::once(&endpoint.known_hosts).chain(&endpoint.known_hosts_also).cloned().collect();
        let mut map = self.known_hosts.lock().expect("known_hosts map");
        if let Some(kh) = map.get(&files) {
            return Ok(kh.clone());
        }
        let kh = Arc::new(KnownHosts::load(&files)?);
        map.insert(files, kh.clone());
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
        "HOST KEY CHANGED for {name}: it presents {fingerprint} ({key}), but {at} hold(s) another key of that type. \
         This may be a man-in-the-middle attack; bmfleet refuses it. If the host was reinstalled, remove the old key \
         with `ssh-keygen -R '{name}' -f FILE` and verify the new one"
    )]
    HostKeyChanged { name: String, fingerprint: String, key: String, at: String },
    #[error(
        "no known key of type {presented} for {name}: it presents {fingerprint}, but {at} record(s) only {known} \
         key(s) for it, which it no longer offers. bmfleet refuses it (even with --accept-new-host-keys: a man in \
         the middle would do this). Check the new key with the host's administrator, then add it"
    )]
    HostKeyOtherType { name: String, presented: String, fingerprint: String, known: String, at: String },
    #[error("the host key of {name} ({fingerprint}) is marked @revoked at {at}; refusing it")]
    HostKeyRevoked { name: String, fingerprint: String, at: String },
    #[error("the host certificate of {name} ({fingerprint}) is refused: {reason}")]
    HostCertificate { name: String, fingerprint: String, reason: String },
    #[error("cannot read known_hosts {file}: {message}")]
    KnownHosts { file: String, message: String },
    #[error(
        "permission denied for {user}@{name}: tried {tried}; authorize one of these keys for {user} on the host"
    )]
    Auth { user: String, name: String, tried: String },
    #[error("SSH failure with {name}: {message}")]
    Protocol { name: String, message: String },
    #[error("{message}")]
    Jump { message: String },
    #[error(
        "sudo on {name} wants a password for {user}: allow NOPASSWD for {user} in sudoers, or set \
         `become_password_env` to the name of an environment variable holding it"
    )]
    SudoPassword { name: String, user: String },
    #[error("sudo on {name} refused: {message}")]
    Sudo { name: String, message: String },
}

impl ConnectError {
    /// The host could not be reached or would not let us in (as opposed to sudo refusing).
    pub fn is_unreachable(&self) -> bool {
        !matches!(self, ConnectError::SudoPassword { .. } | ConnectError::Sudo { .. })
    }
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
        let (key, mut verdict) = match server_key {
            russh::keys::PublicKeyOrCertificate::PublicKey { key, .. } => {
                (key.clone(), self.known_hosts.check(&self.host, self.port, key))
            }
            russh::keys::PublicKeyOrCertificate::Certificate(cert) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let key = PublicKey::from(cert.public_key().clone());
                (key, self.known_hosts.check_certificate(&self.host, self.port, cert, now))
            }
        };
        let key = &key;
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

/// How commands run on a connection: directly, or through sudo.
#[derive(Debug, Clone)]
pub enum Elevation {
    None,
    /// `sudo -n -u USER`: sudo wants no password.
    Sudo {
        user: String,
    },
    /// `sudo -k -S -p '' -u USER`, the password written first on stdin.
    SudoPassword {
        user: String,
        password: String,
    },
}

/// An authenticated connection to one host.
pub struct Connection {
    handle: Handle<Handler>,
    host_key: PublicKey,
    channels: Arc<Semaphore>,
    pub name: String,
    elevation: Elevation,
}

impl Connection {
    /// An authenticated connection to `endpoint`, in its stages: known_hosts read (they decide
    /// the host key algorithms asked for), the bastion reached, a turn to handshake taken, the
    /// handshake with its host key check, authentication, then sudo probed. The connect timeout
    /// covers the handshake and, again, authentication; each stage fails with its own error.
    pub async fn open(endpoint: &Endpoint, ssh: &SshContext) -> Result<Connection, ConnectError> {
        let name = lookup_name(&endpoint.address, endpoint.port);
        let addr = format!("{}:{}", endpoint.address, endpoint.port);
        let known_hosts = ssh.known_hosts(endpoint).map_err(|e| ConnectError::KnownHosts {
            file: endpoint.known_hosts.display().to_string(),
            message: e.to_string(),
        })?;
        let config = Arc::new(client::Config {
            keepalive_interval: Some(ssh.options.keepalive),
            keepalive_max: ssh.options.keepalive_max,
            nodelay: true,
            preferred: preferred_host_keys(&known_hosts, &endpoint.address, endpoint.port),
            ..Default::default()
        });
        let seen = Arc::new(Mutex::new(Seen::default()));
        let handler = Handler {
            host: endpoint.address.clone(),
            port: endpoint.port,
            known_hosts: known_hosts.clone(),
            accept_new: ssh.options.accept_new_host_keys || endpoint.accept_new_host_keys,
            seen: seen.clone(),
        };
        let timeout = endpoint.connect_timeout;
        let timed_out = || ConnectError::Timeout { addr: addr.clone(), secs: timeout.as_secs() };
        let refused = |e: russh::Error| {
            explain_refusal(&seen, &name, &known_hosts)
                .unwrap_or(ConnectError::Protocol { name: name.clone(), message: e.to_string() })
        };
        // The bastion first, holding no turn: its own open() waits for one, and every host
        // behind it waits on that same connection (holding turns here could starve it).
        let bastion =
            if endpoint.jump.is_empty() { None } else { Some(ssh.hop(&endpoint.jump, endpoint).await?) };
        let turn = ssh.handshakes.acquire().await.expect("the handshake semaphore is never closed");
        let connect = handshake(endpoint, bastion.as_deref(), &addr, config, handler, refused);
        let mut handle = tokio::time::timeout(timeout, connect).await.map_err(|_| timed_out())??;
        let auth = tokio::time::timeout(
            timeout,
            authenticate(&mut handle, &endpoint.user, endpoint.identity_file.as_deref(), &ssh.keys),
        )
        .await
        .map_err(|_| timed_out())?;
        drop(turn);
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
        let mut conn = Connection {
            handle,
            host_key,
            channels: Arc::new(Semaphore::new(MAX_CHANNELS)),
            name,
            elevation: Elevation::None,
        };
        if let Some(sudo) = &endpoint.r#become {
            let password = sudo.password_env.as_ref().and_then(|e| ssh.become_passwords.get(e));
            conn.elevation = conn.probe_sudo(&sudo.user, password).await?;
        }
        Ok(conn)
    }

    /// Find out once how sudo behaves on this host, so that no step ever waits on a prompt.
    /// `LC_ALL=C`: sudo's messages are read, and a host speaking French must not change them.
    async fn probe_sudo(&self, user: &str, password: Option<&String>) -> Result<Elevation, ConnectError> {
        let user_q = crate::shell::quote(user)
            .map_err(|e| ConnectError::Sudo { name: self.name.clone(), message: e.to_string() })?;
        let (code, stderr) = self.run_simple(&format!("LC_ALL=C sudo -n -u {user_q} -- true"), None).await?;
        if code == Some(0) {
            return Ok(Elevation::Sudo { user: user.to_string() });
        }
        if !stderr.contains("password is required") {
            return Err(ConnectError::Sudo { name: self.name.clone(), message: stderr.trim().to_string() });
        }
        let Some(password) = password else {
            return Err(ConnectError::SudoPassword { name: self.name.clone(), user: user.to_string() });
        };
        let (code, stderr) = self
            .run_simple(
                &format!("LC_ALL=C sudo -k -S -p '' -u {user_q} -- true"),
                Some(&format!("{password}\n")),
            )
            .await?;
        if code == Some(0) {
            Ok(Elevation::SudoPassword { user: user.to_string(), password: password.clone() })
        } else {
            let message = stderr.replace(password.as_str(), "********");
            Err(ConnectError::Sudo {
                name: self.name.clone(),
                message: format!("with the given password: {}", message.trim()),
            })
        }
    }

    /// A short command with no wrapper: its exit code and stderr.
    async fn run_simple(
        &self,
        command: &str,
        stdin: Option<&str>,
    ) -> Result<(Option<u32>, String), ConnectError> {
        let lost =
            |e: russh::Error| ConnectError::Protocol { name: self.name.clone(), message: e.to_string() };
        let (mut channel, _permit) = self.channel().await.map_err(lost)?;
        channel.exec(true, command).await.map_err(lost)?;
        if let Some(input) = stdin {
            channel.data_bytes(input.as_bytes().to_vec()).await.map_err(lost)?;
        }
        channel.eof().await.map_err(lost)?;
        let (mut code, mut stderr) = (None, String::new());
        let wait = async {
            while let Some(msg) = channel.wait().await {
                match msg {
                    russh::ChannelMsg::ExitStatus { exit_status } => code = Some(exit_status),
                    russh::ChannelMsg::ExtendedData { data, .. } => {
                        stderr.push_str(&String::from_utf8_lossy(&data))
                    }
                    _ => {}
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(30), wait).await;
        Ok((code, stderr))
    }

    /// The command a step channel runs: the wrapper, through sudo when the host says so, and
    /// what must be written on stdin before the script (the sudo password).
    pub fn command(&self, wrapper: &str) -> (String, Option<String>) {
        debug_assert!(!wrapper.contains('\''), "the wrapper goes inside single quotes");
        match &self.elevation {
            // The login shell runs the command: bash (root's, almost always) runs the wrapper
            // itself, any other shell hands it to bash. One bash start per step, not two.
            Elevation::None => {
                (format!("case $BASH_VERSION in '') exec bash -c '{wrapper}';; esac; {wrapper}"), None)
            }
            Elevation::Sudo { user } => {
                (format!("exec sudo -n -u {} -- bash -c '{wrapper}'", quote_word(user)), None)
            }
            // `-k`: ignore cached credentials, so sudo always reads the password we send first
            // (else it would be left on stdin, for the wrapper to refuse: see attempt.rs).
            Elevation::SudoPassword { user, password } => (
                format!("exec sudo -k -S -p '' -u {} -- bash -c '{wrapper}'", quote_word(user)),
                Some(format!("{password}\n")),
            ),
        }
    }

    /// `ssh-ed25519 AAAA...`: the verified host key as a known_hosts key field.
    pub fn host_key_line(&self) -> String {
        key_line(&self.host_key)
    }

    /// Open an exec channel, waiting for a free slot under `MAX_CHANNELS`.
    ///
    /// sshd counts a session against `MaxSessions` until it has torn it down, a moment after we
    /// saw its end: a burst of short steps can meet a refusal (`ConnectFailed`) with our own count
    /// under the limit. Nothing ran on a refused channel, so it is tried again, a few times.
    pub async fn channel(
        &self,
    ) -> Result<(russh::Channel<russh::client::Msg>, OwnedSemaphorePermit), russh::Error> {
        let permit = self.channels.clone().acquire_owned().await.expect("semaphore never closed");
        let mut attempt = 0u64;
        loop {
            match self.handle.channel_open_session().await {
                Ok(channel) => return Ok((channel, permit)),
                Err(russh::Error::ChannelOpenFailure(_)) if attempt < 5 && !self.handle.is_closed() => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(100 * attempt)).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    pub fn is_closed(&self) -> bool {
        self.handle.is_closed()
    }

    pub async fn close(&self) {
        let _ = self.handle.disconnect(russh::Disconnect::ByApplication, "", "en").await;
    }
}

/// The host key algorithms to ask for, those known_hosts holds for the host first: the server
/// presents the first one it has, and a key of a type we hold no line for could not be checked.
/// An `@cert-authority` vouching for the host puts its certificates first.
fn preferred_host_keys(known_hosts: &KnownHosts, address: &str, port: u16) -> russh::Preferred {
    let mut preferred = russh::Preferred::default();
    let known_algs = known_hosts.algorithms_for(address, port);
    if !known_algs.is_empty() {
        let mut order = Vec::new();
        for alg in known_algs {
            if let russh::keys::Algorithm::Rsa { .. } = alg {
                // known_hosts says `ssh-rsa`; ask for the SHA-2 signatures first.
                order.extend(
                    preferred.key.iter().filter(|a| matches!(a, russh::keys::Algorithm::Rsa { .. })).cloned(),
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
    if known_hosts.has_authority_for(address, port) {
        preferred.host_key_certificates = preferred.key.clone();
    }
    preferred
}

/// The SSH handshake (key exchange, host key check by `handler`) over a new TCP connection, or
/// over a direct-tcpip channel of the bastion's shared connection. `refused` explains a failed
/// handshake (most often a host key refused).
async fn handshake(
    endpoint: &Endpoint,
    bastion: Option<&Connection>,
    addr: &str,
    config: Arc<client::Config>,
    handler: Handler,
    refused: impl Fn(russh::Error) -> ConnectError,
) -> Result<Handle<Handler>, ConnectError> {
    let Some(bastion) = bastion else {
        let socket = tokio::net::TcpStream::connect((endpoint.address.as_str(), endpoint.port))
            .await
            .map_err(|e| ConnectError::Tcp { addr: addr.to_string(), message: e.to_string() })?;
        let _ = socket.set_nodelay(true);
        return client::connect_stream(config, socket, handler).await.map_err(refused);
    };
    let channel = bastion
        .handle
        .channel_open_direct_tcpip(endpoint.address.clone(), endpoint.port as u32, "127.0.0.1", 0)
        .await
        .map_err(|e| ConnectError::Tcp {
            addr: format!("{addr} through {}", bastion.name),
            message: e.to_string(),
        })?;
    client::connect_stream(config, channel.into_stream(), handler).await.map_err(refused)
}

fn quote_word(s: &str) -> String {
    crate::shell::quote(s).map(|q| q.into_owned()).unwrap_or_else(|_| "root".into())
}

fn explain_refusal(seen: &Mutex<Seen>, name: &str, known_hosts: &KnownHosts) -> Option<ConnectError> {
    let seen = seen.lock().ok()?;
    let key = seen.key.as_ref()?;
    let (name, fingerprint) = (name.to_string(), fingerprint(key));
    Some(match seen.verdict.clone()? {
        Verdict::Known => return None,
        Verdict::Unknown => ConnectError::HostKeyUnknown { name, fingerprint, file: known_hosts.describe() },
        Verdict::Changed { at } => {
            ConnectError::HostKeyChanged { name, fingerprint, key: key_line(key), at: at.join(", ") }
        }
        Verdict::OtherTypes { presented, known, at } => ConnectError::HostKeyOtherType {
            name,
            presented,
            fingerprint,
            known: known.join(", "),
            at: at.join(", "),
        },
        Verdict::Revoked { at } => ConnectError::HostKeyRevoked { name, fingerprint, at },
        Verdict::BadCertificate { reason } => ConnectError::HostCertificate { name, fingerprint, reason },
    })
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn silent_host(port: u16) -> Endpoint {
        Endpoint {
            host: "127.0.0.1".into(),
            address: "127.0.0.1".into(),
            port,
            user: "root".into(),
            identity_file: None,
            known_hosts: PathBuf::from("/nonexistent/known_hosts"),
            known_hosts_also: Vec::new(),
            connect_timeout: Duration::from_secs(1),
            accept_new_host_keys: false,
            jump: Vec::new(),
            r#become: None,
            sources: Default::default(),
        }
    }

    /// Two handshakes to a host that accepts TCP and never says a word, each running to its
    /// 1 s timeout: one turn, and the second starts (and starts its timeout) when the first
    /// ends; two turns, both at once.
    #[tokio::test]
    async fn handshakes_wait_for_a_turn_and_the_timeout_starts_with_it() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let endpoint = silent_host(port);
        for (turns, at_least, below) in [(1, 2.0, 3.5), (2, 1.0, 1.9)] {
            let ssh =
                SshContext::new(Keys::default(), SshOptions { handshakes: turns, ..Default::default() });
            let start = Instant::now();
            let (a, b) = tokio::join!(Connection::open(&endpoint, &ssh), Connection::open(&endpoint, &ssh));
            let secs = start.elapsed().as_secs_f64();
            for r in [a, b] {
                assert!(matches!(r, Err(ConnectError::Timeout { .. })), "{turns} turn(s): {:?}", r.err());
            }
            assert!(secs >= at_least && secs < below, "{turns} turn(s): both timed out after {secs:.2} s");
        }
    }
}

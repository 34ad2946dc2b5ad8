//! The transport seam: where an attempt runs. The executor only knows [`Host`] ("start this
//! script here") and the [`Process`] it returns (output, exit status, heartbeats, stop); the
//! SSH connection and the controller's own bash are two implementations, the tests' scripted
//! fake host a third (`exec/tests`). One loop drives them all (`attempt::run`), so the stop
//! rules (timeout, grace after a Ctrl-C, hard stop, draining after the exit) are written once.
//! Models: pyinfra's `BaseConnector`, jetporch's `Connection`, cargo-nextest's fake processes.
//!
//! Hosts are opened through a [`Hosts`] factory, once per pair and side, by `PairRun`.

use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use crate::outcome::{StepStatus, Stream};
use crate::ssh::Endpoint;
use crate::ssh::{Connection, SshContext};

/// The bash program every step runs (why: `attempt.rs`'s module documentation): read the
/// script up to a NUL byte; start one watchdog, which keeps reading stdin (heartbeats) and, if
/// stdin ends or stays silent for three heartbeats while the script still runs, kills the whole
/// process group (TERM, then KILL); then run the script itself in the foreground with `set -eo pipefail`. When the
/// script ends normally the watchdog finds it gone and leaves alone what the script started
/// on purpose (`nohup ... &`). One fork per step: the hosts' CPU per step decides fan-out time.
/// The program holds no single quote, so it can be passed as `bash -c '...'`.
///
/// The script must start with `SCRIPT_MARK`, or nothing runs: through `sudo -S`, the password
/// goes first on stdin, and a sudo that does not read it (cached credentials, a `NOPASSWD` rule
/// for bash) would leave it as the script's first line, run by root. `sudo -k` prevents the
/// first; the mark makes any other way fail closed.
pub(crate) fn wrapper(heartbeat: Option<Duration>) -> String {
    let wait = match heartbeat {
        Some(beat) => format!("while IFS= read -r -t {} _; do :; done", beat.as_secs().max(1) * 3 + 5),
        None => "cat >/dev/null".to_string(),
    };
    format!(
        r#"IFS= read -r -d "" s || exit 125; case $s in "{mark}"*) ;; *) echo "bmfleet: the script did not arrive as sent (did sudo leave its password on stdin?); nothing was run" >&2; exit 125;; esac; {{ trap "" TERM; {wait}; kill -0 $$ 2>/dev/null && {{ kill -TERM 0; sleep 5; kill -KILL 0; }}; }} <&0 >/dev/null 2>&1 & exec </dev/null; set -eo pipefail; eval "$s""#,
        mark = SCRIPT_MARK.trim_end()
    )
}

/// The first line of every script sent to the wrapper (a comment to bash).
pub(crate) const SCRIPT_MARK: &str = "#bmfleet-script\n";

/// What is written on a wrapper's stdin: the sudo password when sudo wants one, then the marked
/// script, then the NUL byte that ends it.
pub(crate) fn payload(preamble: Option<String>, script: &str) -> Vec<u8> {
    let mut payload = preamble.map(String::into_bytes).unwrap_or_default();
    payload.extend_from_slice(SCRIPT_MARK.as_bytes());
    payload.extend_from_slice(script.as_bytes());
    payload.push(0);
    payload
}

/// What a running process says, in order. After `Closed`, nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProcessEvent {
    Output(Stream, Vec<u8>),
    Exit(i32),
    /// Killed by a signal (its name).
    Signal(String),
    /// Output is over and the process gone (or its channel lost).
    Closed,
    /// The host will send no more output (SSH's EOF); an exit status may still come.
    Eof,
}

/// One script running on a host, started by [`Host::start`].
pub(crate) trait Process: Send {
    /// The next event; `Closed` for ever once the process is gone.
    fn next(&mut self) -> BoxFuture<'_, ProcessEvent>;
    /// A heartbeat on its stdin, for the wrapper's watchdog (see `attempt.rs`).
    fn heartbeat(&mut self) -> BoxFuture<'_, Result<(), String>>;
    /// It exited: stop the watchdog (close stdin) and let the rest of the output come.
    fn exited(&mut self) {}
    /// Stop it now (timeout, Ctrl-C), or let go of it after its exit: the wrapper's watchdog
    /// kills the process group once its stdin ends.
    fn stop(&mut self) -> BoxFuture<'_, ()>;
}

/// A script that could not start: the step's status and a line for its output tail.
#[derive(Debug, Clone)]
pub(crate) struct NotStarted {
    pub(crate) status: StepStatus,
    pub(crate) line: Option<String>,
    /// The script may have reached the host whole before the error: it may run there.
    pub(crate) in_doubt: bool,
}

/// A place where attempts run: one host over SSH, or the controller.
pub(crate) trait Host: Send + Sync {
    /// Start `script` under the wrapper ([`wrapper`]), heartbeats expected every
    /// `heartbeat` where the link can die silently.
    fn start<'a>(
        &'a self,
        script: &'a str,
        heartbeat: Duration,
    ) -> BoxFuture<'a, Result<Box<dyn Process>, NotStarted>>;
    /// The host's verified key as a known_hosts field (`ssh-ed25519 AAAA...`), for the facts
    /// `origin_hostkey_pub`/`target_hostkey_pub`.
    fn host_key_line(&self) -> String {
        String::new()
    }
    /// The host's name in messages.
    fn name(&self) -> &str;
    /// The link to the host is gone (a lost lock then says less than the steps' own errors).
    fn is_closed(&self) -> bool {
        false
    }
    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}

/// Why a host could not be opened.
#[derive(Debug, Clone)]
pub(crate) struct OpenError {
    pub(crate) message: String,
    /// Could not reach it or get in (as opposed to sudo refusing).
    pub(crate) unreachable: bool,
}

/// Opens the hosts of a run; what every connection shares lives behind it.
pub(crate) trait Hosts: Send + Sync {
    fn open<'a>(&'a self, endpoint: &'a Endpoint) -> BoxFuture<'a, Result<Arc<dyn Host>, OpenError>>;
    /// Where `on: controller` steps run.
    fn controller(&self) -> Arc<dyn Host>;
    /// Values to mask in every output (sudo passwords).
    fn secrets(&self) -> Vec<String>;
    /// The interval of heartbeats (and SSH keepalives).
    fn heartbeat(&self) -> Duration;
}

/// The real hosts: SSH connections sharing one [`SshContext`], and the controller's bash.
pub(crate) struct SshHosts(pub(crate) SshContext);

impl Hosts for SshHosts {
    fn open<'a>(&'a self, endpoint: &'a Endpoint) -> BoxFuture<'a, Result<Arc<dyn Host>, OpenError>> {
        Box::pin(async move {
            match Connection::open(endpoint, &self.0).await {
                Ok(conn) => Ok(Arc::new(conn) as Arc<dyn Host>),
                Err(e) => Err(OpenError { message: e.to_string(), unreachable: e.is_unreachable() }),
            }
        })
    }

    fn controller(&self) -> Arc<dyn Host> {
        Arc::new(Controller)
    }

    fn secrets(&self) -> Vec<String> {
        self.0.secrets().cloned().collect()
    }

    fn heartbeat(&self) -> Duration {
        self.0.options().keepalive
    }
}

impl Host for Connection {
    fn start<'a>(
        &'a self,
        script: &'a str,
        heartbeat: Duration,
    ) -> BoxFuture<'a, Result<Box<dyn Process>, NotStarted>> {
        let lost = |message: String| NotStarted {
            status: StepStatus::ConnectionLost { message },
            line: None,
            in_doubt: false,
        };
        Box::pin(async move {
            let (channel, permit) =
                self.channel().await.map_err(|e| lost(format!("cannot open a channel: {e}")))?;
            let (command, preamble) = self.command(&wrapper(Some(heartbeat)));
            channel.exec(true, command).await.map_err(|e| lost(format!("cannot start the command: {e}")))?;
            // The sudo password, when sudo wants one, goes first; it never reaches the script.
            // Sending may fail after the last byte left: the script may run (in doubt).
            channel
                .data_bytes(payload(preamble, script))
                .await
                .map_err(|e| NotStarted { in_doubt: true, ..lost(format!("cannot send the script: {e}")) })?;
            Ok(Box::new(SshProcess { channel, _permit: permit }) as Box<dyn Process>)
        })
    }

    fn host_key_line(&self) -> String {
        Connection::host_key_line(self)
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn is_closed(&self) -> bool {
        Connection::is_closed(self)
    }

    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(Connection::close(self))
    }
}

/// A step's channel, holding its slot under `ssh::MAX_CHANNELS`.
struct SshProcess {
    channel: russh::Channel<russh::client::Msg>,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Process for SshProcess {
    fn next(&mut self) -> BoxFuture<'_, ProcessEvent> {
        Box::pin(async move {
            loop {
                return match self.channel.wait().await {
                    Some(russh::ChannelMsg::Data { data }) => {
                        ProcessEvent::Output(Stream::Stdout, data.to_vec())
                    }
                    Some(russh::ChannelMsg::ExtendedData { data, ext: 1 }) => {
                        ProcessEvent::Output(Stream::Stderr, data.to_vec())
                    }
                    Some(russh::ChannelMsg::ExitStatus { exit_status }) => {
                        ProcessEvent::Exit(exit_status as i32)
                    }
                    Some(russh::ChannelMsg::ExitSignal { signal_name, .. }) => {
                        ProcessEvent::Signal(format!("{signal_name:?}"))
                    }
                    Some(russh::ChannelMsg::Close) | None => ProcessEvent::Closed,
                    Some(russh::ChannelMsg::Eof) => ProcessEvent::Eof,
                    Some(_) => continue,
                };
            }
        })
    }

    fn heartbeat(&mut self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async move { self.channel.data_bytes(&b"\n"[..]).await.map_err(|e| e.to_string()) })
    }

    fn stop(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let _ = self.channel.close().await;
        })
    }
}

/// The controller: the same wrapper, through a local bash.
pub(crate) struct Controller;

impl Host for Controller {
    fn start<'a>(
        &'a self,
        script: &'a str,
        _: Duration,
    ) -> BoxFuture<'a, Result<Box<dyn Process>, NotStarted>> {
        use tokio::io::AsyncWriteExt;
        Box::pin(async move {
            // A process group of its own: the watchdog's `kill 0` must never reach bmfleet.
            let mut child = tokio::process::Command::new("bash")
                .arg("-c")
                .arg(wrapper(None))
                .process_group(0)
                // The key passphrase is bmfleet's own; a controller step has no use for it.
                .env_remove(crate::ssh::PASSPHRASE_ENV)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .map_err(|e| NotStarted {
                    status: StepStatus::Failed { code: 127 },
                    line: Some(format!("cannot start bash on the controller: {e}")),
                    in_doubt: false,
                })?;
            let mut stdin = child.stdin.take();
            if let Some(input) = stdin.as_mut() {
                let _ = input.write_all(&payload(None, script)).await;
            }
            let stdout = child.stdout.take().expect("piped");
            let stderr = child.stderr.take().expect("piped");
            Ok(Box::new(LocalProcess {
                child,
                stdin,
                stdout: Some(stdout),
                stderr: Some(stderr),
                exited: false,
            }) as Box<dyn Process>)
        })
    }

    fn name(&self) -> &str {
        "controller"
    }
}

struct LocalProcess {
    child: tokio::process::Child,
    stdin: Option<tokio::process::ChildStdin>,
    stdout: Option<tokio::process::ChildStdout>,
    stderr: Option<tokio::process::ChildStderr>,
    exited: bool,
}

impl Process for LocalProcess {
    fn next(&mut self) -> BoxFuture<'_, ProcessEvent> {
        use tokio::io::AsyncReadExt;
        Box::pin(async move {
            let (mut out_buf, mut err_buf) = ([0u8; 8192], [0u8; 8192]);
            loop {
                if self.exited && self.stdout.is_none() && self.stderr.is_none() {
                    return ProcessEvent::Closed;
                }
                let LocalProcess { child, stdout, stderr, exited, .. } = self;
                tokio::select! {
                    n = async { stdout.as_mut().expect("open").read(&mut out_buf).await }, if stdout.is_some() => match n {
                        Ok(0) | Err(_) => *stdout = None,
                        Ok(n) => return ProcessEvent::Output(Stream::Stdout, out_buf[..n].to_vec()),
                    },
                    n = async { stderr.as_mut().expect("open").read(&mut err_buf).await }, if stderr.is_some() => match n {
                        Ok(0) | Err(_) => *stderr = None,
                        Ok(n) => return ProcessEvent::Output(Stream::Stderr, err_buf[..n].to_vec()),
                    },
                    s = child.wait(), if !*exited => {
                        *exited = true;
                        return match s.map(|s| (s.code(), std::os::unix::process::ExitStatusExt::signal(&s))) {
                            Ok((Some(code), _)) => ProcessEvent::Exit(code),
                            Ok((None, Some(signal))) => ProcessEvent::Signal(signal.to_string()),
                            _ => ProcessEvent::Exit(-1),
                        };
                    }
                }
            }
        })
    }

    fn heartbeat(&mut self) -> BoxFuture<'_, Result<(), String>> {
        // The controller does not lose its own processes: its wrapper expects no heartbeat.
        Box::pin(async { Ok(()) })
    }

    fn exited(&mut self) {
        drop(self.stdin.take());
    }

    fn stop(&mut self) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            drop(self.stdin.take());
            if !self.exited {
                let _ = tokio::time::timeout(Duration::from_secs(6), self.child.wait()).await;
                let _ = self.child.kill().await;
            }
        })
    }
}

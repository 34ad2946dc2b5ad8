//! Running one attempt of one step's script, on a host over SSH or on the controller.
//!
//! The script never travels on a command line (where `ps` would show it, secrets included): the
//! channel runs a fixed wrapper that reads the script from stdin up to a NUL byte, runs it with
//! `set -eo pipefail` in its own process group, and watches stdin. We keep stdin open while the
//! step runs and write a heartbeat (a newline) on it every keepalive interval. When we close the
//! channel (timeout, Ctrl-C), when bmfleet dies, or when the network goes and the heartbeats stop
//! (sshd may take hours to notice a dead peer), the watchdog kills the whole process group: a
//! stopped step never goes on, unseen, on its host.

use std::time::{Duration, Instant};

use crate::exec::cancel::{Cancel, Level};
use crate::exec::output::{Collector, Line};
use crate::report::events::{StepStatus, Stream};
use crate::ssh::Connection;

/// The bash program every step runs (see the module documentation): read the script up to a NUL
/// byte; start one watchdog, which keeps reading stdin (heartbeats) and, if stdin ends or stays
/// silent for three heartbeats while the script still runs, kills the whole process group (TERM,
/// then KILL); then run the script itself in the foreground with `set -eo pipefail`. When the
/// script ends normally the watchdog finds it gone and leaves alone what the script started
/// on purpose (`nohup ... &`). One fork per step: the hosts' CPU per step decides fan-out time.
/// The program holds no single quote, so it can be passed as `bash -c '...'`.
///
/// The script must start with `SCRIPT_MARK`, or nothing runs: through `sudo -S`, the password
/// goes first on stdin, and a sudo that does not read it (cached credentials, a `NOPASSWD` rule
/// for bash) would leave it as the script's first line, run by root. `sudo -k` prevents the
/// first; the mark makes any other way fail closed.
pub fn wrapper(heartbeat: Option<Duration>) -> String {
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
pub const SCRIPT_MARK: &str = "#bmfleet-script\n";

/// What is written on a wrapper's stdin: the sudo password when sudo wants one, then the marked
/// script, then the NUL byte that ends it.
pub fn payload(preamble: Option<String>, script: &str) -> Vec<u8> {
    let mut payload = preamble.map(String::into_bytes).unwrap_or_default();
    payload.extend_from_slice(SCRIPT_MARK.as_bytes());
    payload.extend_from_slice(script.as_bytes());
    payload.push(0);
    payload
}

/// After the exit status arrives, how long we wait for the rest of the output. A daemon started
/// by a step that keeps its stdout open would otherwise hold the channel forever.
const DRAIN: Duration = Duration::from_secs(2);

pub struct AttemptSpec<'a> {
    pub script: &'a str,
    pub timeout: Duration,
    pub ok_codes: &'a [i32],
    pub warn_codes: &'a [i32],
    pub rsync_output: bool,
    /// How long a running step may go on after a first Ctrl-C.
    pub grace: Duration,
    /// Interval of the heartbeats written to remote steps (see the module documentation).
    pub heartbeat: Duration,
}

pub struct AttemptResult {
    pub status: StepStatus,
    pub exit_code: Option<i32>,
    pub collector: Collector,
    pub duration: Duration,
}

fn classify(code: i32, spec: &AttemptSpec<'_>) -> StepStatus {
    if spec.ok_codes.contains(&code) {
        StepStatus::Ok
    } else if spec.warn_codes.contains(&code) {
        StepStatus::Warning { code }
    } else {
        StepStatus::Failed { code }
    }
}

/// Why the loop stops waiting for the command.
enum Stop {
    Timeout,
    Interrupted,
}

/// The deadline a step must end by: its timeout, shortened by a Ctrl-C (grace) or a second one.
fn stop_deadline(
    started: Instant,
    spec: &AttemptSpec<'_>,
    cancel: &Cancel,
    since: &mut Option<Instant>,
) -> (Instant, Stop) {
    let timeout = started + spec.timeout;
    match cancel.level() {
        Level::Run => (timeout, Stop::Timeout),
        Level::Hard => (Instant::now(), Stop::Interrupted),
        Level::Soft => {
            let at = *since.get_or_insert_with(Instant::now) + spec.grace;
            if at < timeout { (at, Stop::Interrupted) } else { (timeout, Stop::Timeout) }
        }
    }
}

pub async fn remote(
    conn: &Connection,
    spec: &AttemptSpec<'_>,
    cancel: &Cancel,
    on_line: &mut (dyn FnMut(Line) + Send),
) -> AttemptResult {
    let started = Instant::now();
    let mut collector = Collector::new(spec.rsync_output);
    let lost = |message: String, collector: Collector| AttemptResult {
        status: StepStatus::ConnectionLost { message },
        exit_code: None,
        collector,
        duration: started.elapsed(),
    };
    let (mut channel, _permit) = match conn.channel().await {
        Ok(c) => c,
        Err(e) => return lost(format!("cannot open a channel: {e}"), collector),
    };
    let (command, preamble) = conn.command(&wrapper(Some(spec.heartbeat)));
    if let Err(e) = channel.exec(true, command).await {
        return lost(format!("cannot start the command: {e}"), collector);
    }
    // The sudo password, when sudo wants one, goes first; it never reaches the script.
    if let Err(e) = channel.data_bytes(payload(preamble, spec.script)).await {
        return lost(format!("cannot send the script: {e}"), collector);
    }

    let mut exit: Option<StepStatus> = None;
    let mut exit_code = None;
    let mut drain_until: Option<tokio::time::Instant> = None;
    let mut soft_since = None;
    let mut cancel_rx = cancel.subscribe();
    let mut heartbeat = tokio::time::interval(spec.heartbeat.max(Duration::from_secs(1)));
    heartbeat.tick().await;
    loop {
        let (deadline, why) = stop_deadline(started, spec, cancel, &mut soft_since);
        let deadline = tokio::time::Instant::from_std(deadline);
        let wake = drain_until.map_or(deadline, |d| d.min(deadline));
        tokio::select! {
            _ = heartbeat.tick(), if exit.is_none() => {
                let _ = channel.data_bytes(&b"\n"[..]).await;
            }
            msg = channel.wait() => match msg {
                Some(russh::ChannelMsg::Data { data }) => {
                    collector.feed(Stream::Stdout, &data).into_iter().for_each(&mut *on_line);
                }
                Some(russh::ChannelMsg::ExtendedData { data, ext: 1 }) => {
                    collector.feed(Stream::Stderr, &data).into_iter().for_each(&mut *on_line);
                }
                Some(russh::ChannelMsg::ExitStatus { exit_status }) => {
                    let code = exit_status as i32;
                    exit_code = Some(code);
                    exit = Some(classify(code, spec));
                    drain_until = Some(tokio::time::Instant::now() + DRAIN);
                }
                Some(russh::ChannelMsg::ExitSignal { signal_name, .. }) => {
                    exit = Some(StepStatus::Signal { signal: format!("{signal_name:?}") });
                    drain_until = Some(tokio::time::Instant::now() + DRAIN);
                }
                Some(russh::ChannelMsg::Close) | None => break,
                Some(_) => {}
            },
            _ = tokio::time::sleep_until(wake) => {
                if exit.is_some() {
                    break; // drained long enough
                }
                let _ = channel.close().await;
                let status = match why {
                    Stop::Timeout => StepStatus::TimedOut { secs: spec.timeout.as_secs() },
                    Stop::Interrupted => StepStatus::Interrupted,
                };
                collector.finish().into_iter().for_each(&mut *on_line);
                return AttemptResult { status, exit_code: None, collector, duration: started.elapsed() };
            }
            _ = cancel_rx.changed() => {}
        }
    }
    let _ = channel.close().await;
    collector.finish().into_iter().for_each(&mut *on_line);
    match exit {
        Some(status) => AttemptResult { status, exit_code, collector, duration: started.elapsed() },
        // The channel ended without an exit status: never a success.
        None => lost("the channel closed without an exit status".into(), collector),
    }
}

/// A step that runs on the controller: the same wrapper, through a local bash.
pub async fn local(
    spec: &AttemptSpec<'_>,
    cancel: &Cancel,
    on_line: &mut (dyn FnMut(Line) + Send),
) -> AttemptResult {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let started = Instant::now();
    let mut collector = Collector::new(spec.rsync_output);
    // A process group of its own: the watchdog's `kill 0` must never reach bmfleet.
    let mut child = match tokio::process::Command::new("bash")
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
    {
        Ok(c) => c,
        Err(e) => {
            return AttemptResult {
                status: StepStatus::Failed { code: 127 },
                exit_code: None,
                collector: {
                    collector.tail.push_back(format!("cannot start bash on the controller: {e}"));
                    collector
                },
                duration: started.elapsed(),
            };
        }
    };
    let mut stdin = child.stdin.take();
    if let Some(input) = stdin.as_mut() {
        let _ = input.write_all(&payload(None, spec.script)).await;
    }
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let (mut out_buf, mut err_buf) = ([0u8; 8192], [0u8; 8192]);
    let (mut out_open, mut err_open) = (true, true);
    let mut soft_since = None;
    let mut cancel_rx = cancel.subscribe();
    let mut status = None;
    while out_open || err_open || status.is_none() {
        let (deadline, why) = stop_deadline(started, spec, cancel, &mut soft_since);
        tokio::select! {
            n = stdout.read(&mut out_buf), if out_open => match n {
                Ok(0) | Err(_) => out_open = false,
                Ok(n) => collector.feed(Stream::Stdout, &out_buf[..n]).into_iter().for_each(&mut *on_line),
            },
            n = stderr.read(&mut err_buf), if err_open => match n {
                Ok(0) | Err(_) => err_open = false,
                Ok(n) => collector.feed(Stream::Stderr, &err_buf[..n]).into_iter().for_each(&mut *on_line),
            },
            s = child.wait(), if status.is_none() => {
                status = Some(s);
                // The command ended: stop the watchdog, then read what is left.
                drop(stdin.take());
            }
            _ = tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)) => {
                drop(stdin.take());
                let _ = tokio::time::timeout(Duration::from_secs(6), child.wait()).await;
                let _ = child.kill().await;
                collector.finish().into_iter().for_each(&mut *on_line);
                let status = match why {
                    Stop::Timeout => StepStatus::TimedOut { secs: spec.timeout.as_secs() },
                    Stop::Interrupted => StepStatus::Interrupted,
                };
                return AttemptResult { status, exit_code: None, collector, duration: started.elapsed() };
            }
            _ = cancel_rx.changed() => {}
        }
    }
    collector.finish().into_iter().for_each(&mut *on_line);
    let (status, code) = match status {
        Some(Ok(s)) => match (s.code(), std::os::unix::process::ExitStatusExt::signal(&s)) {
            (Some(code), _) => (classify(code, spec), Some(code)),
            (None, Some(sig)) => (StepStatus::Signal { signal: sig.to_string() }, None),
            _ => (StepStatus::Failed { code: -1 }, None),
        },
        _ => (StepStatus::Failed { code: -1 }, None),
    };
    AttemptResult { status, exit_code: code, collector, duration: started.elapsed() }
}

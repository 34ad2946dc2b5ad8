//! Running one attempt of one step's script on a [`Host`] (over SSH, on the controller, or a
//! test's fake host): one loop for all.
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
use crate::exec::host::{Host, NotStarted, ProcessEvent};
use crate::exec::output::{Collector, Line};
use crate::outcome::StepStatus;

/// After the exit status arrives, how long we wait for the rest of the output. A daemon started
/// by a step that keeps its stdout open would otherwise hold the channel forever.
const DRAIN: Duration = Duration::from_secs(2);

pub struct AttemptSpec<'a> {
    pub script: &'a str,
    pub timeout: Duration,
    pub ok_codes: &'a [i32],
    pub warn_codes: &'a [i32],
    pub parse: super::output::Parse,
    /// How long a running step may go on after a first Ctrl-C.
    pub grace: Duration,
    /// Interval of the heartbeats written to remote steps (see the module documentation).
    pub heartbeat: Duration,
}

pub struct AttemptResult {
    pub status: StepStatus,
    pub collector: Collector,
    pub duration: Duration,
    pub end: End,
}

/// How far the script got on its host, as far as the controller can know: the point of no
/// return of a step counts as passed unless its host said otherwise (see `arming.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// It never ran: no channel, or the command could not start (a script sent in part never
    /// runs: the wrapper waits for its last byte).
    NotStarted,
    /// The host reported how it ended (an exit code or a signal) and closed the channel: every
    /// line it printed is here, in order.
    Reported,
    /// Anything else: stopped on the host by us (timeout, Ctrl-C), the channel lost, or the
    /// output not drained after the exit status. What it did there is not known.
    InDoubt,
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

/// Run one attempt on `host`: start the script, heartbeat it, collect its lines, and stop it
/// at its deadline (timeout, grace after a first Ctrl-C, at once after a second).
pub(crate) async fn run(
    host: &dyn Host,
    spec: &AttemptSpec<'_>,
    cancel: &Cancel,
    on_line: &mut (dyn FnMut(Line) + Send),
) -> AttemptResult {
    let started = Instant::now();
    let mut collector = Collector::new(spec.parse);
    let mut process = match host.start(spec.script, spec.heartbeat).await {
        Ok(process) => process,
        Err(NotStarted { status, line, in_doubt }) => {
            collector.tail.extend(line);
            let end = if in_doubt { End::InDoubt } else { End::NotStarted };
            return AttemptResult { status, collector, duration: started.elapsed(), end };
        }
    };
    let mut exit: Option<StepStatus> = None;
    let mut drain_until: Option<tokio::time::Instant> = None;
    let mut soft_since = None;
    let mut closed = false;
    let mut cancel_rx = cancel.subscribe();
    let mut heartbeat = tokio::time::interval(spec.heartbeat.max(Duration::from_secs(1)));
    heartbeat.tick().await;
    loop {
        let (deadline, why) = stop_deadline(started, spec, cancel, &mut soft_since);
        let deadline = tokio::time::Instant::from_std(deadline);
        let wake = drain_until.map_or(deadline, |d| d.min(deadline));
        tokio::select! {
            _ = heartbeat.tick(), if exit.is_none() => {
                let _ = process.heartbeat().await;
            }
            event = process.next() => match event {
                ProcessEvent::Output(stream, data) => {
                    collector.feed(stream, &data).into_iter().for_each(&mut *on_line);
                }
                ProcessEvent::Exit(code) if exit.is_none() => {
                    exit = Some(classify(code, spec));
                    process.exited();
                    drain_until = Some(tokio::time::Instant::now() + DRAIN);
                }
                ProcessEvent::Signal(signal) if exit.is_none() => {
                    exit = Some(StepStatus::Signal { signal });
                    process.exited();
                    drain_until = Some(tokio::time::Instant::now() + DRAIN);
                }
                ProcessEvent::Exit(_) | ProcessEvent::Signal(_) | ProcessEvent::Eof => {}
                ProcessEvent::Closed => {
                    closed = true;
                    break;
                }
            },
            _ = tokio::time::sleep_until(wake) => {
                if exit.is_some() {
                    break; // drained long enough
                }
                process.stop().await;
                let status = match why {
                    Stop::Timeout => StepStatus::TimedOut { secs: spec.timeout.as_secs() },
                    Stop::Interrupted => StepStatus::Interrupted,
                };
                collector.finish().into_iter().for_each(&mut *on_line);
                return AttemptResult { status, collector, duration: started.elapsed(), end: End::InDoubt };
            }
            _ = cancel_rx.changed() => {}
        }
    }
    process.stop().await;
    collector.finish().into_iter().for_each(&mut *on_line);
    let end = if exit.is_some() && closed { End::Reported } else { End::InDoubt };
    let status = exit.unwrap_or_else(|| {
        // The channel ended without an exit status: never a success.
        StepStatus::ConnectionLost { message: "the channel closed without an exit status".into() }
    });
    AttemptResult { status, collector, duration: started.elapsed(), end }
}

//! The per-pair lock, held on the pair's target for the pair's whole run, so that two
//! controllers (or a nightly job and an operator) never work on one pair at once.
//!
//! A channel on the target runs a small script that takes `flock` on a file in `/run/bmfleet`
//! and then sleeps. That directory is root's alone (0700, checked, never a symlink): in a
//! world-writable one such as `/run/lock`, any local user could take the lock first and hold it
//! forever, or write a false owner. The lock lives as long as the channel and its heartbeats:
//! when the pair ends we close it, and if bmfleet dies or the network goes, the wrapper's
//! watchdog kills the holder within three missed heartbeats (see `attempt.rs`), so a lock is
//! never left behind. The other way round, we watch the channel: if it ends while the pair
//! runs (the holder killed, the channel lost), the pair is stopped (`Cancel::stop`), because it
//! would otherwise go on unlocked.

use std::sync::Arc;
use std::time::Duration;

use crate::exec::cancel::{Cancel, Level};
use crate::exec::host::{Host, Process, ProcessEvent};
use crate::outcome::Stream;
use crate::shell::quote;

/// Root-only: created 0700 if missing, refused if anything else.
pub const LOCK_DIR: &str = "/run/bmfleet";

/// A held lock: a task keeps its channel alive with heartbeats until `release`.
pub struct TargetLock {
    release: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl TargetLock {
    pub async fn release(self) {
        let _ = self.release.send(());
        let _ = self.task.await;
    }
}

pub enum LockError {
    /// Another run holds the lock: its owner line.
    Busy(String),
    Failed(String),
}

/// The script that takes the lock (run as root, by the wrapper).
fn script(owner: &str) -> String {
    format!(
        r#"d={LOCK_DIR}
if [ -L "$d" ] || {{ [ -e "$d" ] && [ ! -d "$d" ]; }}; then echo "BMFLEET-LOCKFAIL $d is not a plain directory (a symlink?)"; exit 76; fi
[ -d "$d" ] || mkdir -m 0700 "$d"
set -- $(stat -c '%u %a' "$d")
if [ "$1" != 0 ] || [ "$2" != 700 ]; then echo "BMFLEET-LOCKFAIL $d belongs to uid $1 with mode $2, not to root with 0700"; exit 76; fi
for f in "$d/pair.lock" "$d/pair.owner"; do
  if [ -L "$f" ]; then echo "BMFLEET-LOCKFAIL $f is a symlink"; exit 76; fi
done
exec 9>>"$d/pair.lock"
if flock -n 9; then
  printf '%s
' {owner} >"$d/pair.owner"
  echo BMFLEET-LOCKED
  exec sleep infinity
else
  echo "BMFLEET-BUSY $(cat "$d/pair.owner" 2>/dev/null)"
  exit 75
fi
"#
    )
}

/// Take the lock; `pair` is stopped (hard, with the reason) if the lock is lost later.
pub(crate) async fn acquire(
    host: Arc<dyn Host>,
    owner: &str,
    heartbeat: Duration,
    pair: Cancel,
) -> Result<TargetLock, LockError> {
    let owner = quote(owner).map_err(|e| LockError::Failed(e.to_string()))?;
    // Through sudo too, when the host says so (the lock lives in root's /run/bmfleet).
    let mut process = host
        .start(&script(&owner), heartbeat)
        .await
        .map_err(|e| LockError::Failed(e.line.unwrap_or_else(|| e.status.describe())))?;
    match tokio::time::timeout(Duration::from_secs(30), answer(process.as_mut())).await {
        Ok(Ok(())) => {
            let (release, released) = tokio::sync::oneshot::channel();
            let task = tokio::spawn(hold(host, process, heartbeat, released, pair));
            Ok(TargetLock { release, task })
        }
        Ok(Err(e)) => {
            process.stop().await;
            Err(e)
        }
        Err(_) => {
            process.stop().await;
            Err(LockError::Failed("no answer from the lock script within 30 s".into()))
        }
    }
}

/// The lock script's answer: locked, busy (with the holder's owner line), or failed. sshd may
/// send the exit status before the last output: an exit is judged once the output is complete.
async fn answer(process: &mut dyn Process) -> Result<(), LockError> {
    let mut output = String::new();
    let mut exit = None;
    loop {
        match process.next().await {
            ProcessEvent::Output(stream, data) => {
                output.push_str(&String::from_utf8_lossy(&data));
                if stream == Stream::Stdout
                    && let Some(answer) = markers(&output)
                {
                    return answer;
                }
            }
            ProcessEvent::Exit(code) => exit = Some(code),
            ProcessEvent::Signal(_) | ProcessEvent::Eof => {}
            ProcessEvent::Closed => {
                return markers(&output).unwrap_or_else(|| {
                    Err(LockError::Failed(match exit {
                        Some(code) => format!("cannot take the pair lock (exit {code}): {}", output.trim()),
                        None => format!("the lock channel closed: {}", output.trim()),
                    }))
                });
            }
        }
    }
}

/// What the lock script said, once it said it (a whole line).
fn markers(output: &str) -> Option<Result<(), LockError>> {
    if let Some(rest) = output.split("BMFLEET-LOCKFAIL").nth(1)
        && rest.contains('\n')
    {
        return Some(Err(LockError::Failed(format!("cannot take the pair lock: {}", rest.trim()))));
    }
    if output.contains("BMFLEET-LOCKED") {
        return Some(Ok(()));
    }
    if let Some(rest) = output.split("BMFLEET-BUSY").nth(1)
        && rest.contains('\n')
    {
        return Some(Err(LockError::Busy(rest.trim().to_string())));
    }
    None
}

/// Keep a taken lock alive with heartbeats until released; stop the pair if it is lost.
async fn hold(
    host: Arc<dyn Host>,
    mut process: Box<dyn Process>,
    heartbeat: Duration,
    mut released: tokio::sync::oneshot::Receiver<()>,
    pair: Cancel,
) {
    let mut beat = tokio::time::interval(heartbeat.max(Duration::from_secs(1)));
    let lost = loop {
        tokio::select! {
            _ = beat.tick() => {
                if let Err(e) = process.heartbeat().await {
                    break Some(format!("cannot write to its channel: {e}"));
                }
            }
            event = process.next() => match event {
                ProcessEvent::Exit(code) => break Some(format!("its holder ended with exit {code}")),
                ProcessEvent::Signal(signal) => break Some(format!("its holder was killed ({signal})")),
                ProcessEvent::Closed | ProcessEvent::Eof => break Some("its channel closed".to_string()),
                ProcessEvent::Output(..) => {}
            },
            _ = &mut released => break None,
        }
    };
    // A connection that died takes the lock with it: the pair's steps on it end as
    // unreachable by themselves, which says more than "lock lost".
    if lost.is_some() {
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    if let Some(why) = lost
        && !host.is_closed()
    {
        pair.stop(
            Level::Hard,
            format!(
                "the pair lock on {} was lost ({why}); the pair's steps were stopped, since another run \
                 could now work on it. Check the target, then run again",
                host.name()
            ),
        );
    }
    process.stop().await;
}

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

use crate::exec::cancel::{Cancel, Level};
use crate::role::quote::quote;
use crate::ssh::Connection;

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
pub async fn acquire(
    conn: std::sync::Arc<Connection>,
    owner: &str,
    heartbeat: std::time::Duration,
    pair: Cancel,
) -> Result<TargetLock, LockError> {
    let owner = quote(owner).map_err(|e| LockError::Failed(e.to_string()))?;
    let script = script(&owner);
    let (mut channel, permit) =
        conn.channel().await.map_err(|e| LockError::Failed(format!("cannot open a channel: {e}")))?;
    // Through sudo too, when the host says so (the lock lives in root's /run/bmfleet).
    let (command, preamble) = conn.command(&super::attempt::wrapper(Some(heartbeat)));
    channel.exec(true, command).await.map_err(|e| LockError::Failed(e.to_string()))?;
    channel
        .data_bytes(super::attempt::payload(preamble, &script))
        .await
        .map_err(|e| LockError::Failed(e.to_string()))?;
    let mut output = String::new();
    let wait = async {
        loop {
            match channel.wait().await {
                Some(russh::ChannelMsg::Data { data }) => {
                    output.push_str(&String::from_utf8_lossy(&data));
                    if let Some(rest) = output.split("BMFLEET-LOCKFAIL").nth(1)
                        && rest.contains('\n')
                    {
                        return Err(LockError::Failed(format!("cannot take the pair lock: {}", rest.trim())));
                    }
                    if output.contains("BMFLEET-LOCKED") {
                        return Ok(());
                    }
                    if let Some(rest) = output.split("BMFLEET-BUSY").nth(1)
                        && rest.contains('\n')
                    {
                        return Err(LockError::Busy(rest.trim().to_string()));
                    }
                }
                Some(russh::ChannelMsg::ExtendedData { data, .. }) => {
                    output.push_str(&String::from_utf8_lossy(&data))
                }
                Some(russh::ChannelMsg::ExitStatus { exit_status }) if exit_status != 75 => {
                    return Err(LockError::Failed(format!(
                        "cannot take the pair lock (exit {exit_status}): {}",
                        output.trim()
                    )));
                }
                Some(_) => {}
                None => return Err(LockError::Failed(format!("the lock channel closed: {}", output.trim()))),
            }
        }
    };
    match tokio::time::timeout(std::time::Duration::from_secs(30), wait).await {
        Ok(Ok(())) => {
            let (release, mut released) = tokio::sync::oneshot::channel();
            let host = conn.name.clone();
            let (mut read, write) = channel.split();
            let task = tokio::spawn(async move {
                let _permit = permit;
                let mut beat = tokio::time::interval(heartbeat.max(std::time::Duration::from_secs(1)));
                let lost = loop {
                    tokio::select! {
                        _ = beat.tick() => {
                            if let Err(e) = write.data_bytes(&b"\n"[..]).await {
                                break Some(format!("cannot write to its channel: {e}"));
                            }
                        }
                        msg = read.wait() => match msg {
                            Some(russh::ChannelMsg::ExitStatus { exit_status }) => {
                                break Some(format!("its holder ended with exit {exit_status}"));
                            }
                            Some(russh::ChannelMsg::ExitSignal { signal_name, .. }) => {
                                break Some(format!("its holder was killed ({signal_name:?})"));
                            }
                            Some(russh::ChannelMsg::Eof | russh::ChannelMsg::Close) | None => {
                                break Some("its channel closed".to_string());
                            }
                            Some(_) => {}
                        },
                        _ = &mut released => break None,
                    }
                };
                // A connection that died takes the lock with it: the pair's steps on it end as
                // unreachable by themselves, which says more than "lock lost".
                if lost.is_some() {
                    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
                }
                if let Some(why) = lost
                    && !conn.is_closed()
                {
                    pair.stop(
                        Level::Hard,
                        format!(
                            "the pair lock on {host} was lost ({why}); the pair's steps were stopped, since \
                             another run could now work on it. Check the target, then run again"
                        ),
                    );
                }
                let _ = write.close().await;
            });
            Ok(TargetLock { release, task })
        }
        Ok(Err(e)) => {
            let _ = channel.close().await;
            Err(e)
        }
        Err(_) => {
            let _ = channel.close().await;
            Err(LockError::Failed("no answer from the lock script within 30 s".into()))
        }
    }
}

//! The per-pair lock, held on the pair's target for the pair's whole run, so that two
//! controllers (or a nightly job and an operator) never work on one pair at once.
//!
//! A channel on the target runs a small script that takes `flock` on a file under /run/lock and
//! then sleeps. The lock lives as long as the channel and its heartbeats: when the pair ends we
//! close it, and if bmfleet dies or the network goes, the wrapper's watchdog kills the holder
//! within three missed heartbeats (see `attempt.rs`), so a lock is never left behind.

use crate::role::quote::quote;
use crate::ssh::Connection;

const LOCK_FILE: &str = "/run/lock/bmfleet-pair.lock";
const OWNER_FILE: &str = "/run/lock/bmfleet-pair.owner";

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

pub async fn acquire(
    conn: &Connection,
    owner: &str,
    heartbeat: std::time::Duration,
) -> Result<TargetLock, LockError> {
    let owner = quote(owner).map_err(|e| LockError::Failed(e.to_string()))?;
    let script = format!(
        "mkdir -p /run/lock\nexec 9>>{LOCK_FILE}\nif flock -n 9; then\n  printf '%s\\n' {owner} >{OWNER_FILE}\n  echo BMFLEET-LOCKED\n  exec sleep infinity\nelse\n  echo \"BMFLEET-BUSY $(cat {OWNER_FILE} 2>/dev/null)\"\n  exit 75\nfi\n"
    );
    let (mut channel, permit) =
        conn.channel().await.map_err(|e| LockError::Failed(format!("cannot open a channel: {e}")))?;
    // Through sudo too, when the host says so (the lock lives in root's /run/lock).
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
            let task = tokio::spawn(async move {
                let _permit = permit;
                let mut beat = tokio::time::interval(heartbeat.max(std::time::Duration::from_secs(1)));
                loop {
                    tokio::select! {
                        _ = beat.tick() => {
                            if channel.data_bytes(&b"\n"[..]).await.is_err() {
                                break;
                            }
                        }
                        _ = &mut released => break,
                    }
                }
                let _ = channel.close().await;
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

//! Stopping a run: a first Ctrl-C (or a failure policy) asks for a soft stop, a second one for a
//! hard stop. Every waiting point of the executor watches this.
//!
//! A pair has a child of the run's: it stops with the run, and alone when something about the
//! pair itself says so (its lock on the target was lost), with the reason to report.

use std::sync::{Arc, Mutex};

use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Keep going.
    Run,
    /// Start nothing new; running steps get a grace period, then are stopped.
    Soft,
    /// Stop everything now.
    Hard,
}

#[derive(Clone)]
pub struct Cancel {
    tx: Arc<watch::Sender<Level>>,
    parent: Option<Arc<watch::Sender<Level>>>,
    /// Why this (pair's) cancel was raised on its own.
    reason: Arc<Mutex<Option<String>>>,
}

impl Default for Cancel {
    fn default() -> Self {
        Cancel { tx: Arc::new(watch::channel(Level::Run).0), parent: None, reason: Arc::default() }
    }
}

impl Cancel {
    pub fn level(&self) -> Level {
        let own = *self.tx.borrow();
        self.parent.as_ref().map_or(own, |p| own.max(*p.borrow()))
    }

    /// Raise the level (never lowers it).
    pub fn raise(&self, level: Level) {
        raise(&self.tx, level);
    }

    /// Stop this cancel (a pair's) alone, saying why.
    pub fn stop(&self, level: Level, reason: String) {
        self.reason.lock().expect("reason").get_or_insert(reason);
        self.raise(level);
    }

    /// Why it was stopped on its own, if it was.
    pub fn reason(&self) -> Option<String> {
        self.reason.lock().expect("reason").clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<Level> {
        self.tx.subscribe()
    }

    /// Resolves when the level reaches at least `level`.
    pub async fn reached(&self, level: Level) {
        let mut rx = self.subscribe();
        let _ = rx.wait_for(|l| *l >= level).await;
    }

    /// A cancel that follows this one, and can be stopped alone (a pair's).
    pub fn child(&self) -> Cancel {
        let child = Cancel { parent: Some(self.tx.clone()), ..Cancel::default() };
        // Forward the parent's changes, so that the child's subscribers wake up.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let weak = Arc::downgrade(&child.tx);
            let mut rx = self.subscribe();
            runtime.spawn(async move {
                loop {
                    let level = *rx.borrow_and_update();
                    let Some(tx) = weak.upgrade() else { return };
                    raise(&tx, level);
                    drop(tx);
                    if rx.changed().await.is_err() {
                        return;
                    }
                }
            });
        }
        child
    }
}

fn raise(tx: &watch::Sender<Level>, level: Level) {
    tx.send_if_modified(|current| {
        if level > *current {
            *current = level;
            true
        } else {
            false
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_child_follows_its_parent_and_stops_alone() {
        let run = Cancel::default();
        let (a, b) = (run.child(), run.child());
        a.stop(Level::Hard, "lock lost".into());
        assert_eq!((a.level(), b.level(), run.level()), (Level::Hard, Level::Run, Level::Run));
        assert_eq!(a.reason().as_deref(), Some("lock lost"));
        run.raise(Level::Soft);
        assert_eq!(b.level(), Level::Soft);
        tokio::time::timeout(std::time::Duration::from_secs(1), b.reached(Level::Soft)).await.unwrap();
        assert_eq!(b.reason(), None);
    }
}

//! Stopping a run: a first Ctrl-C (or a failure policy) asks for a soft stop, a second one for a
//! hard stop. Every waiting point of the executor watches this.

use std::sync::Arc;

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
}

impl Default for Cancel {
    fn default() -> Self {
        Cancel { tx: Arc::new(watch::channel(Level::Run).0) }
    }
}

impl Cancel {
    pub fn level(&self) -> Level {
        *self.tx.borrow()
    }

    /// Raise the level (never lowers it).
    pub fn raise(&self, level: Level) {
        self.tx.send_if_modified(|current| {
            if level > *current {
                *current = level;
                true
            } else {
                false
            }
        });
    }

    pub fn subscribe(&self) -> watch::Receiver<Level> {
        self.tx.subscribe()
    }

    /// Resolves when the level reaches at least `level`.
    pub async fn reached(&self, level: Level) {
        let mut rx = self.subscribe();
        let _ = rx.wait_for(|l| *l >= level).await;
    }
}

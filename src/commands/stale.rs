//! When a pair's last good sync is stale: one rule for `status` (its STALE flag) and for a
//! run's `--notify` (a nightly sync that should have refreshed it and did not), so the two never
//! disagree about the same pair.

use std::time::Duration;

use crate::journal::PairJournal;
use crate::role::journal::JournalSpec;

/// Seconds since the pair's last completed repeatable sync (the hot sync), if it had one.
pub fn last_sync_age(j: &PairJournal, now: f64) -> Option<f64> {
    j.last_sync.as_ref().map(|s| (now - s.at).max(0.0))
}

/// Stale: the role has a repeatable sync, the pair's last one is older than `after` (or never
/// ran), and the pair has not yet had its final sync (after it, nothing is left to refresh).
pub fn is_stale(spec: &JournalSpec, j: &PairJournal, now: f64, after: Duration) -> bool {
    spec.repeatable_sync.is_some()
        && last_sync_age(j, now).is_none_or(|a| a > after.as_secs_f64())
        && !spec.final_sync.as_ref().is_some_and(|f| j.phases.contains_key(f))
}

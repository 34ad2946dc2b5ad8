//! The end of a run, as data: what happened to each pair (status, failed step and its last lines,
//! duration, checks, transfers, records, actions left to the operator, rollback) and to the run
//! as a whole, down to its exit code. `report/summary.rs` prints it; `summary.json` is it.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use super::{PairStatus, Transfer};

#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub phase: String,
    pub label: String,
    /// `ok`, `warning`, `failed` or `skipped`.
    pub result: String,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PairReport {
    pub pair: String,
    pub wave: String,
    pub status: PairStatus,
    /// `phase/step` of the step that failed the pair.
    pub failed_step: Option<String>,
    pub message: Option<String>,
    /// Last lines of the failed step's output.
    pub tail: Vec<String>,
    #[serde(serialize_with = "secs")]
    pub duration: Duration,
    pub phases_completed: Vec<String>,
    pub checks: Vec<CheckResult>,
    /// Transfers per phase (rsync `--stats` of the phase's steps, summed).
    pub transfers: BTreeMap<String, Transfer>,
    /// Times recorded by steps with `record:` (e.g. downtime_start, downtime_end), seconds
    /// since the Unix epoch.
    pub records: BTreeMap<String, f64>,
    /// Steps that ended with a warning code.
    pub warnings: Vec<String>,
    /// Actions the operator must do by hand (`BMFLEET-MANUAL:` lines of the steps the role
    /// declares `manual_actions`), each with the step and host that printed it.
    pub manual: Vec<ManualAction>,
    /// The step of this run that passed the pair's point of no return.
    pub point_of_no_return: Option<String>,
    /// The rollback run for the pair after its run ended badly.
    pub rollback: Option<RollbackReport>,
    /// `--unsafe-override-host-state` named this pair: host-state checks were lifted.
    pub host_state_override: bool,
    /// What the journal could not record for the pair (a phase completed, its point of no
    /// return...): the state directory no longer says all that happened on its hosts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub journal_not_written: Vec<String>,
}

/// An action left to the operator, and who asked for it: a host's text, so the summary and the
/// report always say which step on which host printed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ManualAction {
    /// `phase/step` (with its loop item) of the step that printed it.
    pub step: String,
    /// `origin HOST`, `target HOST` or `controller`.
    pub host: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RollbackReport {
    pub phase: String,
    pub ok: bool,
    /// `rolled back: origin back in service`, or `ROLLBACK FAILED: step, why: what to do`.
    pub message: String,
    pub failed_step: Option<String>,
    pub secs: f64,
}

fn secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

impl PairReport {
    pub fn new(pair: &str, wave: &str, status: PairStatus) -> Self {
        PairReport {
            pair: pair.to_string(),
            wave: wave.to_string(),
            status,
            failed_step: None,
            message: None,
            tail: Vec::new(),
            duration: Duration::ZERO,
            phases_completed: Vec::new(),
            checks: Vec::new(),
            transfers: BTreeMap::new(),
            records: BTreeMap::new(),
            warnings: Vec::new(),
            manual: Vec::new(),
            point_of_no_return: None,
            rollback: None,
            host_state_override: false,
            journal_not_written: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub run_id: String,
    /// The role's name and where it was loaded from (`bluemind (built into bmfleet)`).
    pub role: String,
    pub phases: Vec<String>,
    pub check_mode: bool,
    pub interrupted: bool,
    /// `--until` stopped the run.
    pub deadline_reached: bool,
    /// Why later waves did not run, if they did not.
    pub stopped: Option<String>,
    #[serde(serialize_with = "secs")]
    pub duration: Duration,
    /// Pairs whose host-state checks `--unsafe-override-host-state` lifted.
    pub overrides: Vec<String>,
    pub pairs: Vec<PairReport>,
}

impl RunReport {
    pub fn count(&self, status: PairStatus) -> usize {
        self.pairs.iter().filter(|p| p.status == status).count()
    }

    /// Pairs to retry with `--limit @failed.txt`: every pair that did not succeed.
    pub fn retry_names(&self) -> Vec<&str> {
        self.pairs.iter().filter(|p| !p.status.succeeded()).map(|p| p.pair.as_str()).collect()
    }

    /// Pairs whose journal could not record everything this run did.
    pub fn journal_not_written(&self) -> Vec<&str> {
        self.pairs.iter().filter(|p| !p.journal_not_written.is_empty()).map(|p| p.pair.as_str()).collect()
    }

    pub fn exit_code(&self) -> u8 {
        use crate::error::exit;
        if !self.journal_not_written().is_empty() {
            // Before anything else: the journal is what the next run decides from.
            exit::INTERNAL
        } else if self.interrupted {
            exit::INTERRUPTED
        } else if self
            .pairs
            .iter()
            .any(|p| p.status == PairStatus::Failed || p.rollback.as_ref().is_some_and(|r| !r.ok))
        {
            // A failed rollback leaves a pair half-way: never reported as a mere unreachable.
            exit::PAIRS_FAILED
        } else if self.deadline_reached {
            exit::DEADLINE
        } else if self.pairs.iter().any(|p| {
            matches!(
                p.status,
                PairStatus::Failed | PairStatus::Blocked | PairStatus::Stopped | PairStatus::NotRun
            )
        }) {
            exit::PAIRS_FAILED
        } else if self.count(PairStatus::Unreachable) > 0 {
            exit::UNREACHABLE
        } else if self.count(PairStatus::Busy) > 0 {
            exit::BUSY
        } else {
            exit::OK
        }
    }
}

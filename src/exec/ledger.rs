//! A pair's bookkeeping, apart from running anything: from each planned step and its result,
//! what goes in the pair's report (checks table, warnings, transfers, records, operator notes)
//! and whether the pair stops there. Pure: no host, no event, no clock; `PairRun::run` feeds
//! it and acts on its answer.

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::outcome::{CheckResult, ManualAction, PairReport, PairStatus, StepStatus, TransferStats};
use crate::plan::PlannedStep;
use crate::time::epoch_secs;

/// How one step ended (after its retries): what the ledger accounts.
pub(super) struct StepResult {
    pub(super) status: StepStatus,
    pub(super) stats: Option<TransferStats>,
    pub(super) manual: Vec<ManualAction>,
    pub(super) tail: Vec<String>,
    pub(super) started: SystemTime,
    pub(super) ended: SystemTime,
}

/// The first failed check of the phase running: the phase fails at its end, with this.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CheckFailure {
    /// `phase/label`.
    pub(super) step: String,
    pub(super) message: String,
    pub(super) tail: Vec<String>,
}

#[derive(Debug, Default)]
pub(super) struct Ledger {
    check_failed: Option<CheckFailure>,
    /// Per phase, from the first transfer's start to the last one's end.
    transfer_window: BTreeMap<String, (SystemTime, SystemTime)>,
}

impl Ledger {
    /// A check of the phase running failed: its other checks still run, its actions do not.
    pub(super) fn check_failed(&self) -> bool {
        self.check_failed.is_some()
    }

    /// The phase ended: its failed check, if one failed (the phase then fails).
    pub(super) fn phase_ended(&mut self) -> Option<CheckFailure> {
        self.check_failed.take()
    }

    /// Account one step's result in `report`. `Some(status)`: the pair stops here with it
    /// (a failed check does not stop it: the phase's other checks run first).
    pub(super) fn account(
        &mut self,
        report: &mut PairReport,
        ps: &PlannedStep,
        result: &StepResult,
    ) -> Option<PairStatus> {
        let step = &ps.step;
        if let Some(label) = &step.check {
            report.checks.push(check_result(&step.phase, label, result));
        }
        if let StepStatus::Warning { .. } = result.status {
            report.warnings.push(format!("{}/{}", step.phase, ps.label));
        }
        report.manual.extend(result.manual.iter().cloned());
        if let Some(stats) = &result.stats {
            let t = report.transfers.entry(step.phase.clone()).or_default();
            t.stats.add(stats);
            if matches!(result.status, StepStatus::Warning { .. }) {
                t.warnings += 1;
            }
            let w = self.transfer_window.entry(step.phase.clone()).or_insert((result.started, result.ended));
            w.0 = w.0.min(result.started);
            w.1 = w.1.max(result.ended);
            t.secs = w.1.duration_since(w.0).unwrap_or_default().as_secs_f64();
        }
        let ran_well = result.status.is_success() && !matches!(result.status, StepStatus::Skipped { .. });
        if let Some(name) = &step.record
            && ran_well
        {
            report.records.insert(name.clone(), epoch_secs(result.ended));
        }
        if result.status.is_success() {
            return None;
        }
        let status = if result.status.is_unreachable() {
            PairStatus::Unreachable
        } else if result.status == StepStatus::Interrupted {
            PairStatus::Stopped
        } else {
            PairStatus::Failed
        };
        if step.check.is_some() && status == PairStatus::Failed {
            // Checks all run; the phase fails at its end.
            self.check_failed.get_or_insert(CheckFailure {
                step: format!("{}/{}", step.phase, ps.label),
                message: result.status.describe(),
                tail: result.tail.clone(),
            });
            return None;
        }
        Some(status)
    }
}

/// One line of the phase's checks table.
fn check_result(phase: &str, label: &str, result: &StepResult) -> CheckResult {
    let verdict = match &result.status {
        StepStatus::Ok => "ok",
        StepStatus::Warning { .. } => "warning",
        StepStatus::Skipped { .. } => "skipped",
        // Its host could not be reached: the check never ran, it did not fail.
        StepStatus::Unreachable { .. } => "not run",
        _ => "failed",
    };
    // An assertion over a failed probe's register is "not checked: step X failed" (its reason),
    // never a verdict on the probe's error output.
    let not_checked = match &result.status {
        StepStatus::Skipped { reason } if reason.starts_with("not checked") => Some(reason.clone()),
        _ => None,
    };
    let message = not_checked.or_else(|| {
        (!result.status.is_success()).then(|| {
            let last = result.tail.last().cloned().unwrap_or_default();
            match &result.status {
                StepStatus::AssertFailed { message } => message.clone(),
                other if last.is_empty() => other.describe(),
                other => format!("{}: {last}", other.describe()),
            }
        })
    });
    CheckResult { phase: phase.to_string(), label: label.to_string(), result: verdict.into(), message }
}

//! One pair's walk through its steps. Each pair goes at its own pace: it connects to its hosts
//! when a step first needs them, runs each step (or each parallel group of steps) with retries,
//! feeds registers to later steps, and stops at the first failure, except for `check:` steps,
//! which all run so that a phase's checks table is complete before the phase fails.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use tokio::sync::OnceCell;

mod point_of_no_return;
mod step;

use super::Shared;
use super::arming::{Arming, PhaseRule};
use super::batch::{self, batch_end};
use super::cancel::{Cancel, Level};
use super::host::Host;
use super::ledger::{CheckFailure, Ledger, StepResult};
use crate::inventory::Side;
use crate::outcome::{Event, PairReport, PairStatus, StepStatus};
use crate::plan::{PairPlan, PlannedStep};
use crate::role::StepHost;
use crate::secrets::Masker;

pub(super) struct PairRun<'a> {
    pub(super) shared: &'a Shared,
    plan: &'a PairPlan,
    origin: OnceCell<Result<Arc<dyn Host>, StepStatus>>,
    target: OnceCell<Result<Arc<dyn Host>, StepStatus>>,
    registers: Mutex<BTreeMap<String, String>>,
    /// Registers of steps that failed (name -> step label): what they hold is no fact to check.
    failed_registers: Mutex<BTreeMap<String, String>>,
    masker: Mutex<Masker>,
    lock: tokio::sync::Mutex<Option<super::lock::TargetLock>>,
    /// Whether a failure now rolls the pair back (see `arming.rs`).
    pub(super) arming: Mutex<Arming>,
    /// The stop signal the pair's steps obey: the run's (as a child: a lost lock stops this
    /// pair alone, see `lock.rs`), then the rollback's own.
    cancel: Mutex<Cancel>,
    /// What the hooks could not record (the journal), each said once as it happened.
    journal_not_written: Mutex<Vec<String>>,
}

impl<'a> PairRun<'a> {
    pub(super) fn new(shared: &'a Shared, plan: &'a PairPlan) -> Self {
        PairRun {
            shared,
            plan,
            origin: OnceCell::new(),
            target: OnceCell::new(),
            registers: Mutex::new(BTreeMap::new()),
            failed_registers: Mutex::new(BTreeMap::new()),
            masker: Mutex::new({
                let mut masker = plan.masker.clone();
                shared.hosts.secrets().iter().for_each(|s| masker.add(s));
                masker
            }),
            lock: tokio::sync::Mutex::new(None),
            arming: Mutex::new({
                let history = shared.hooks.history(&plan.pair);
                Arming::new(PhaseRule::of(&shared.role), &history.completed, history.point_of_no_return)
            }),
            cancel: Mutex::new(shared.cancel.child()),
            journal_not_written: Mutex::new(Vec::new()),
        }
    }

    /// The answer of a hook that keeps a record: a failure is said at once and kept for the
    /// pair's report (see `Hooks`).
    pub(super) fn journaled(&self, written: Result<(), String>) {
        if let Err(message) = written {
            self.shared.emit(Event::JournalNotWritten { pair: self.name().into(), message: message.clone() });
            self.journal_not_written.lock().expect("journal failures").push(message);
        }
    }

    /// What the hooks could not record for this pair, in order.
    pub(super) fn journal_not_written(&self) -> Vec<String> {
        self.journal_not_written.lock().expect("journal failures").clone()
    }

    fn name(&self) -> &str {
        &self.plan.pair.name
    }

    pub(super) fn pair_name(&self) -> &str {
        self.name()
    }

    pub(super) fn plan(&self) -> &PairPlan {
        self.plan
    }

    fn cancel(&self) -> Cancel {
        self.cancel.lock().expect("cancel").clone()
    }

    /// From now on the pair's steps obey `cancel` (the rollback's own stop signal).
    pub(super) fn use_cancel(&self, cancel: Cancel) {
        *self.cancel.lock().expect("cancel") = cancel;
    }

    fn mask(&self, text: &str) -> String {
        self.masker.lock().expect("masker").mask(text).into_owned()
    }

    /// The connection to one host of the pair, opened on first use and kept for the run. The
    /// error is the status of the step that needed it.
    pub(super) async fn connection(&self, side: Side) -> Result<Arc<dyn Host>, StepStatus> {
        let cell = match side {
            Side::Origin => &self.origin,
            Side::Target => &self.target,
        };
        let open = cell.get_or_init(|| async {
            let endpoint = self.plan.pair.endpoint(side);
            self.shared.hosts.open(endpoint).await.map_err(|e| {
                let message = format!("{} {}: {}", side.as_str(), endpoint.host, e.message);
                if e.unreachable {
                    StepStatus::Unreachable { message }
                } else {
                    StepStatus::Refused { message }
                }
            })
        });
        // A pending handshake is dropped at the first Ctrl-C: nothing has started on that host
        // (it would otherwise hold the run until its connect timeout). The cell stays empty, so
        // a rollback, which obeys its own stop signal, may still open it.
        let cancel = self.cancel();
        tokio::select! {
            biased;
            opened = open => opened.clone(),
            () = cancel.reached(Level::Soft) => Err(StepStatus::Interrupted),
        }
    }

    /// Every host of the pair that cannot be reached, one line each (`origin HOST: why`): the
    /// one a step found, and the other side, tried now if no step has and the plan uses it, so
    /// that one preflight shows every unreachable host.
    async fn unreachable_hosts(&self) -> String {
        let mut lines = Vec::new();
        for (side, on) in [(Side::Origin, StepHost::Origin), (Side::Target, StepHost::Target)] {
            if !self.plan.steps.iter().any(|ps| ps.step.on == on) {
                continue;
            }
            if let Err(StepStatus::Unreachable { message }) = self.connection(side).await {
                lines.push(message);
            }
        }
        lines.join("\n")
    }

    /// Take the pair's lock on its target (see `lock.rs`).
    pub(super) async fn lock(&self, owner: &str) -> Result<(), (PairStatus, String)> {
        let conn = self.connection(Side::Target).await.map_err(|status| match status {
            StepStatus::Unreachable { message } => (PairStatus::Unreachable, message),
            StepStatus::Interrupted => (PairStatus::Stopped, self.shared.stop_reason()),
            other => (PairStatus::Failed, other.describe()),
        })?;
        match super::lock::acquire(conn, owner, self.shared.hosts.heartbeat(), self.cancel()).await {
            Ok(lock) => {
                *self.lock.lock().await = Some(lock);
                Ok(())
            }
            Err(super::lock::LockError::Busy(holder)) => {
                Err((PairStatus::Busy, format!("another run works on this pair: {holder}")))
            }
            Err(super::lock::LockError::Failed(message)) => Err((PairStatus::Failed, message)),
        }
    }

    pub(super) async fn close(&self) {
        if let Some(lock) = self.lock.lock().await.take() {
            lock.release().await;
        }
        for cell in [&self.origin, &self.target] {
            if let Some(Ok(conn)) = cell.get() {
                conn.close().await;
            }
        }
    }

    /// Walk every planned step; returns the pair's report.
    pub(super) async fn run(&self, wave: &str) -> PairReport {
        let started = Instant::now();
        let mut report = PairReport::new(self.name(), wave, PairStatus::Ok);
        let steps = &self.plan.steps;
        let mut ledger = Ledger::default();
        let mut i = 0;
        while i < steps.len() {
            if self.cancel().level() >= Level::Soft {
                (report.status, report.message) = match self.cancel().reason() {
                    Some(reason) => (PairStatus::Failed, Some(reason)),
                    None => (PairStatus::Stopped, Some(self.shared.stop_reason())),
                };
                break;
            }
            // A batch: one step, or consecutive steps of the same parallel group.
            let j = batch_end(steps, i);
            let batch = &steps[i..j];
            self.arming.lock().expect("arming").phase_started(&batch[0].step.phase);
            // After a failed check, the phase's other checks still run (the table is complete),
            // but not its steps that act (preflight's host records are written only for a pair
            // that passed every check).
            let results = if ledger.check_failed() && batch.iter().all(|ps| ps.step.check.is_none()) {
                batch.iter().map(|ps| self.skip(ps, "a check of this phase failed")).collect()
            } else {
                self.run_batch(batch).await
            };

            let mut stop: Option<(PairStatus, &PlannedStep, StepResult)> = None;
            for (ps, result) in batch.iter().zip(results) {
                if let Some(status) = ledger.account(&mut report, ps, &result)
                    && stop.is_none()
                {
                    stop = Some((status, ps, result));
                }
            }
            if let Some((status, ps, result)) = stop {
                report.status = status;
                report.failed_step = Some(format!("{}/{}", ps.step.phase, ps.label));
                report.message = Some(match &result.status {
                    StepStatus::Unreachable { .. } => self.unreachable_hosts().await,
                    other => other.describe(),
                });
                report.tail = result.tail;
                if let Some(reason) = self.cancel().reason() {
                    // This pair was stopped alone (its lock was lost): a failure, and why.
                    (report.status, report.message) = (PairStatus::Failed, Some(reason));
                }
                break;
            }
            // End of a phase?
            let phase = &steps[i].step.phase;
            if j == steps.len() || steps[j].step.phase != *phase {
                if let Some(CheckFailure { step: failed_step, message, tail }) = ledger.phase_ended() {
                    report.status = PairStatus::Failed;
                    report.failed_step = Some(failed_step);
                    report.message = Some(message);
                    report.tail = tail;
                    self.shared.emit(Event::PhaseFinished {
                        pair: self.name().into(),
                        phase: phase.clone(),
                        ok: false,
                    });
                    break;
                }
                report.phases_completed.push(phase.clone());
                self.arming.lock().expect("arming").phase_completed(phase);
                self.shared.emit(Event::PhaseFinished {
                    pair: self.name().into(),
                    phase: phase.clone(),
                    ok: true,
                });
                self.journaled(self.shared.hooks.phase_finished(&self.plan.pair, phase, &report));
            }
            i = j;
        }
        if report.status == PairStatus::Ok && !report.warnings.is_empty() {
            report.status = PairStatus::Warning;
        }
        report.duration = started.elapsed();
        report
    }

    /// A step not run because a step it waits for failed.
    pub(super) fn skip(&self, ps: &PlannedStep, reason: &str) -> StepResult {
        let status = StepStatus::Skipped { reason: reason.to_string() };
        self.shared.emit(Event::StepFinished {
            pair: self.name().into(),
            phase: ps.step.phase.clone(),
            step: ps.label.clone(),
            host: self.host_label(ps.step.on),
            attempt: 0,
            secs: 0.0,
            status: status.clone(),
        });
        let now = SystemTime::now();
        StepResult { status, stats: None, manual: Vec::new(), tail: Vec::new(), started: now, ended: now }
    }

    fn host_label(&self, on: StepHost) -> String {
        match on {
            StepHost::Origin => format!("origin {}", self.plan.pair.origin.host),
            StepHost::Target => format!("target {}", self.plan.pair.target.host),
            StepHost::Controller => "controller".into(),
        }
    }

    /// Run one batch (`batch.rs`): one step, or the steps of a parallel group at once.
    pub(in crate::exec) async fn run_batch(&self, batch: &[PlannedStep]) -> Vec<StepResult> {
        batch::run(batch, |ps| self.run_step(ps), |ps, why| self.skip(ps, why)).await
    }
}

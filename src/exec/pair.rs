//! One pair's walk through its steps. Each pair goes at its own pace: it connects to its hosts
//! when a step first needs them, runs each step (or each parallel group of steps) with retries,
//! feeds registers to later steps, and stops at the first failure, except for `check:` steps,
//! which all run so that a phase's checks table is complete before the phase fails.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::OnceCell;

use super::Shared;
use super::attempt::{self, AttemptSpec};
use super::batch::batch_end;
use super::cancel::{Cancel, Level};
use super::host::Host;
use super::ledger::{CheckFailure, Ledger};
use super::output::{Collector, Line, recorded_value};
use super::rollback::{Arming, PhaseRule};
use crate::inventory::Side;
use crate::outcome::TransferStats;
use crate::outcome::{Event, PairStatus, StepStatus};
use crate::outcome::{ManualAction, PairReport};
use crate::plan::{PairPlan, PlannedStep};
use crate::role::{OutputParser, StepHost, is_secret_name};
use crate::secrets::Masker;

/// The outcome of one step (after its retries).
pub(super) struct StepResult {
    pub(super) status: StepStatus,
    pub(super) stats: Option<TransferStats>,
    pub(super) manual: Vec<ManualAction>,
    pub(super) tail: Vec<String>,
    pub(super) started: SystemTime,
    pub(super) ended: SystemTime,
}

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
    /// Whether a failure now rolls the pair back (see `rollback.rs`).
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
        cell.get_or_init(|| async {
            let endpoint = self.plan.pair.endpoint(side);
            self.shared.hosts.open(endpoint).await.map_err(|e| {
                let message = format!("{} {}: {}", side.as_str(), endpoint.host, e.message);
                if e.unreachable {
                    StepStatus::Unreachable { message }
                } else {
                    StepStatus::Refused { message }
                }
            })
        })
        .await
        .clone()
    }

    /// Take the pair's lock on its target (see `lock.rs`).
    pub(super) async fn lock(&self, owner: &str) -> Result<(), (PairStatus, String)> {
        let conn = self.connection(Side::Target).await.map_err(|status| match status {
            StepStatus::Unreachable { message } => (PairStatus::Unreachable, message),
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
                report.message = Some(result.status.describe());
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

    /// The context a step renders with at run time: the plan's, plus registers and host keys.
    async fn runtime_context(&self, ps: &PlannedStep) -> Result<tera::Context, StepStatus> {
        let mut ctx = self.plan.step_context(ps);
        for (name, value) in self.registers.lock().expect("registers").iter() {
            ctx.insert(name.clone(), value);
        }
        ctx.insert("run_id", &self.shared.run_id);
        for (fact, side) in [("origin_hostkey_pub", Side::Origin), ("target_hostkey_pub", Side::Target)] {
            let needed = ps.step.uses.contains(fact);
            let open = match side {
                Side::Origin => self.origin.get(),
                Side::Target => self.target.get(),
            };
            if needed || matches!(open, Some(Ok(_))) {
                let conn = self.connection(side).await?;
                ctx.insert(fact, &conn.host_key_line());
            }
        }
        Ok(ctx)
    }

    /// A step's stdout as its register (masked when secret); a failed step's register is marked.
    fn keep_register(&self, name: &str, stdout: &str, ps: &PlannedStep, succeeded: bool) {
        let value = stdout.trim_end_matches('\n').to_string();
        if is_secret_name(name, &self.plan.secret_names) {
            self.masker.lock().expect("masker").add(&value);
        }
        self.registers.lock().expect("registers").insert(name.to_string(), value);
        if !succeeded {
            self.failed_registers.lock().expect("registers").insert(name.to_string(), ps.label.clone());
        }
    }

    /// An assertion over a failed step's register would judge its error output: not checked.
    fn not_checked(&self, step: &crate::role::Step) -> Option<StepStatus> {
        let label = step.assert.as_ref().filter(|_| step.script.is_none()).and_then(|_| {
            let failed = self.failed_registers.lock().expect("registers");
            failed.iter().find(|(r, _)| step.uses.contains(*r)).map(|(_, label)| label.clone())
        })?;
        Some(StepStatus::Skipped { reason: format!("not checked: step `{label}` failed") })
    }

    pub(super) async fn run_step(&self, ps: &PlannedStep) -> StepResult {
        let started = SystemTime::now();
        let step = &ps.step;
        let host = self.host_label(step.on);
        let done = |status: StepStatus| StepResult {
            status,
            stats: None,
            manual: Vec::new(),
            tail: Vec::new(),
            started,
            ended: SystemTime::now(),
        };
        let finished = |status: &StepStatus, attempt: u32, secs: f64| {
            self.shared.emit(Event::StepFinished {
                pair: self.name().into(),
                phase: step.phase.clone(),
                step: ps.label.clone(),
                host: host.clone(),
                attempt,
                secs,
                status: status.clone(),
            });
        };
        let check_mode = self.shared.check_mode && !step.probe && step.script.is_some();
        let skipped = ps.skipped.clone().or_else(|| check_mode.then(|| "check mode".to_string()));
        if let Some(status) =
            skipped.map(|reason| StepStatus::Skipped { reason }).or_else(|| self.not_checked(step))
        {
            finished(&status, 0, 0.0);
            return done(status);
        }
        let ctx = match self.runtime_context(ps).await {
            Ok(ctx) => ctx,
            Err(status) => {
                finished(&status, 1, 0.0);
                return done(status);
            }
        };
        let script = match self.script_at_run_time(ps, &ctx) {
            Ok(script) => script,
            Err((status, attempt)) => {
                finished(&status, attempt, 0.0);
                return done(status);
            }
        };

        if let Err(status) = self.point_of_no_return_recordable(ps) {
            finished(&status, 1, 0.0);
            return done(status);
        }
        let mut result = done(StepStatus::Ok);
        let mut stdout = String::new();
        self.point_of_no_return_at_start(ps, script.as_deref());
        if let Some(script) = script {
            stdout = self.attempts(ps, &script, &host, &mut result).await;
        }
        if let Some(name) = &step.register {
            self.keep_register(name, &stdout, ps, result.status.is_success());
        }
        // An `Ok` step's value parses: `attempts` failed the step otherwise.
        if let Some(name) = &step.record_value
            && result.status == StepStatus::Ok
            && let Ok(value) = recorded_value(name, &stdout)
        {
            self.journaled(self.shared.hooks.value_recorded(&self.plan.pair, name, value));
        }
        if result.status.is_success()
            && !matches!(result.status, StepStatus::Skipped { .. })
            && let Some(assert) = &step.assert
        {
            if let Some(status) = self.assert_fails(assert, ctx) {
                result.status = status;
            }
            if step.script.is_none() {
                finished(&result.status, 1, 0.0);
            }
        }
        result.ended = SystemTime::now();
        result
    }

    /// A deferred step's `when:` and shell, evaluated now that its registers exist (else the
    /// script rendered at plan time). `Err` is the step's end: skipped (attempt 0) or failed
    /// to evaluate or render (attempt 1).
    fn script_at_run_time(
        &self,
        ps: &PlannedStep,
        ctx: &tera::Context,
    ) -> Result<Option<String>, (StepStatus, u32)> {
        let step = &ps.step;
        let renderer = self.shared.role.renderer();
        if ps.deferred
            && let Some(when) = &step.when
        {
            match renderer.eval(&when.template, ctx) {
                Ok(true) => {}
                Ok(false) => {
                    return Err((StepStatus::Skipped { reason: format!("when: {}", when.source) }, 0));
                }
                Err(e) => {
                    let message = format!("cannot evaluate `when`: {}", e.0.message);
                    return Err((StepStatus::AssertFailed { message }, 1));
                }
            }
        }
        match (&step.script, ps.deferred) {
            (Some(name), true) => renderer.render_shell(name, ctx).map(Some).map_err(|e| {
                (StepStatus::AssertFailed { message: format!("cannot render the step: {}", e.0.message) }, 1)
            }),
            _ => Ok(ps.script.clone()),
        }
    }

    /// Run a step's attempts (its retries) into `result`; the last attempt's stdout.
    async fn attempts(&self, ps: &PlannedStep, script: &str, host: &str, result: &mut StepResult) -> String {
        let step = &ps.step;
        let attempts = step.retries + 1;
        let mut stdout = String::new();
        for attempt in 1..=attempts {
            self.shared.emit(Event::StepStarted {
                pair: self.name().into(),
                phase: step.phase.clone(),
                step: ps.label.clone(),
                host: host.to_string(),
                attempt,
            });
            let mut outcome = self.attempt(ps, script, host).await;
            self.point_of_no_return_after(ps, outcome.end, &outcome.status);
            if let Some(name) = &step.record_value
                && outcome.status == StepStatus::Ok
                && let Err(message) = recorded_value(name, &outcome.collector.stdout())
            {
                outcome.status = StepStatus::AssertFailed { message: self.mask(&message) };
            }
            self.shared.emit(Event::StepFinished {
                pair: self.name().into(),
                phase: step.phase.clone(),
                step: ps.label.clone(),
                host: host.to_string(),
                attempt,
                secs: outcome.duration.as_secs_f64(),
                status: outcome.status.clone(),
            });
            result.status = outcome.status;
            result.stats = outcome.collector.stats.clone();
            result.manual = self.manual_actions(ps, host, &outcome.collector);
            result.tail = outcome.collector.tail.iter().map(|l| self.mask(l)).collect();
            stdout = outcome.collector.stdout();
            let retryable = !result.status.is_success()
                && !result.status.is_unreachable()
                && result.status != StepStatus::Interrupted
                && attempt < attempts;
            if !retryable {
                break;
            }
            let cancel = self.cancel();
            tokio::select! {
                _ = tokio::time::sleep(step.retry_delay) => {}
                _ = cancel.reached(Level::Soft) => break,
            }
        }
        stdout
    }

    /// The actions a step's attempt left to the operator, with the step and host that printed
    /// them; lines it printed without declaring `manual_actions` are said ignored in the log.
    fn manual_actions(&self, ps: &PlannedStep, host: &str, collector: &Collector) -> Vec<ManualAction> {
        let step = format!("{}/{}", ps.step.phase, ps.label);
        if collector.ignored_manual > 0 {
            self.shared.emit(Event::ManualIgnored {
                pair: self.name().into(),
                step: step.clone(),
                host: host.to_string(),
                lines: collector.ignored_manual,
            });
        }
        let action = |text: &String| ManualAction {
            step: step.clone(),
            host: host.to_string(),
            text: self.mask(text),
        };
        collector.manual.iter().map(action).collect()
    }

    /// The status of a step whose `assert:` does not hold (with the registers known now).
    fn assert_fails(&self, assert: &crate::role::Assert, mut ctx: tera::Context) -> Option<StepStatus> {
        let renderer = self.shared.role.renderer();
        for (name, value) in self.registers.lock().expect("registers").iter() {
            ctx.insert(name.clone(), value);
        }
        for that in &assert.that {
            let holds = renderer.eval(&that.template, &ctx);
            if !matches!(holds, Ok(true)) {
                let message = match holds {
                    Err(e) => format!("cannot evaluate `{}`: {}", that.source, e.0.message),
                    _ => renderer.render_text(&assert.message, &ctx).unwrap_or_else(|_| that.source.clone()),
                };
                return Some(StepStatus::AssertFailed { message: self.mask(&message) });
            }
        }
        None
    }

    /// One attempt of a step's script, with its output streamed to the events.
    async fn attempt(&self, ps: &PlannedStep, script: &str, host: &str) -> attempt::AttemptResult {
        let step = &ps.step;
        let spec = AttemptSpec {
            script,
            timeout: step.timeout,
            ok_codes: &step.ok_codes,
            warn_codes: &step.warn_codes,
            parse: super::output::Parse {
                progress: step.progress == Some(OutputParser::Rsync),
                stats: step.stats == Some(OutputParser::Rsync),
                manual: step.manual_actions,
            },
            grace: self.shared.grace,
            heartbeat: self.shared.hosts.heartbeat(),
        };
        let pair = self.name().to_string();
        let label = ps.label.clone();
        let host_s = host.to_string();
        let mut on_line = |line: Line| match line {
            Line::Text(stream, text) => {
                self.point_of_no_return_line(ps, stream, &text);
                self.shared.emit(Event::Output {
                    pair: pair.clone(),
                    step: label.clone(),
                    host: host_s.clone(),
                    stream,
                    line: self.mask(&text),
                })
            }
            Line::Progress(percent, detail) => {
                self.shared.emit(Event::Progress { pair: pair.clone(), step: label.clone(), percent, detail })
            }
        };
        let host = match step.on {
            StepHost::Origin => self.connection(Side::Origin).await,
            StepHost::Target => self.connection(Side::Target).await,
            StepHost::Controller => Ok(self.shared.hosts.controller()),
        };
        match host {
            Ok(host) => attempt::run(host.as_ref(), &spec, &self.cancel(), &mut on_line).await,
            Err(status) => attempt::AttemptResult {
                status,
                collector: super::output::Collector::default(),
                duration: Duration::ZERO,
                end: attempt::End::NotStarted,
            },
        }
    }
}

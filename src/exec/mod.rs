//! The executor: runs a [`Plan`] on real hosts. Waves run one after another; inside a wave up to
//! `--forks` pairs are in flight, each walking its own steps (`pair/`), so a slow pair never
//! stalls another. A failed pair is counted and reported; the others go on. After each wave the
//! failure policy (`--max-fail-percent`, `--any-errors-fatal`) decides whether later waves run.

mod arming;
mod attempt;
mod batch;
mod cancel;
pub(crate) mod host;
mod ledger;
mod lock;
mod output;
mod pair;
mod rollback;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::Semaphore;

pub use cancel::{Cancel, Level};
use host::{Hosts, SshHosts};

use crate::inventory::Pair;
use crate::outcome::{Event, PairStatus, Reporter};
use crate::outcome::{PairReport, RunReport};
use crate::plan::Plan;
use crate::role::Role;
use crate::ssh::SshContext;

#[derive(Debug, Clone)]
pub struct RunOptions {
    pub run_id: String,
    /// The run's directory, as the run announces it (`Event::RunStarted`).
    pub run_dir: String,
    /// Pairs in flight at once.
    pub forks: usize,
    /// Stop later waves when more than this percentage of a wave's pairs failed.
    pub max_fail_percent: Option<u8>,
    /// Any failure stops the run: nothing new starts, running pairs stop at their next step.
    pub any_errors_fatal: bool,
    /// After a first Ctrl-C, how long running steps may go on before they are stopped.
    pub grace: Duration,
    /// Listen for Ctrl-C / SIGTERM (off in tests that drive `Cancel` themselves).
    pub handle_signals: bool,
    /// `--until`: no pair starts after it, running steps are stopped at it.
    pub deadline: Option<SystemTime>,
    /// Hold a lock on each pair's target for the pair's whole run (see `lock.rs`); the text
    /// says who holds it, for whoever finds it busy.
    pub target_lock: Option<String>,
    /// Pairs whose host-state checks the operator lifted (`--unsafe-override-host-state`):
    /// said at the start of the run and in each of their reports.
    pub overrides: Vec<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            run_id: String::new(),
            run_dir: String::new(),
            forks: 50,
            max_fail_percent: None,
            any_errors_fatal: false,
            grace: Duration::from_secs(10),
            handle_signals: true,
            deadline: None,
            target_lock: None,
            overrides: Vec::new(),
        }
    }
}

/// Things a run tells the outside world at pair and phase boundaries (the journal, locks).
///
/// A hook that keeps a record answers `Err(why)` when it could not: the run says so at once
/// (`Event::JournalNotWritten`), the pair's report and the summary say it, and the run exits
/// non-zero (`RunReport::exit_code`). Nothing a run did goes unrecorded without a word.
pub trait Hooks: Send + Sync {
    /// Before a pair starts. `Err` skips the pair with that status and message (busy, blocked).
    fn pair_starting(&self, _pair: &Pair, _phases: &[String]) -> Result<(), (PairStatus, String)> {
        Ok(())
    }
    fn phase_finished(&self, _pair: &Pair, _phase: &str, _report: &PairReport) -> Result<(), String> {
        Ok(())
    }
    fn pair_finished(&self, _pair: &Pair, _report: &PairReport) -> Result<(), String> {
        Ok(())
    }
    /// What earlier runs did to the pair, for the rollback's arming rule (`arming.rs`).
    fn history(&self, _pair: &Pair) -> History {
        History::default()
    }
    /// A `point_of_no_return` step (`phase/step`) is about to start on the pair: `Err` if its
    /// record could not be written now. The step is then refused: a pair must never pass its
    /// point of no return where the journal cannot say so (later runs would not refuse it).
    fn point_of_no_return_recordable(&self, _pair: &Pair, _step: &str) -> Result<(), String> {
        Ok(())
    }
    /// A `point_of_no_return` step (`phase/step`) passed its point on the pair.
    fn point_of_no_return(&self, _pair: &Pair, _step: &str) -> Result<(), String> {
        Ok(())
    }
    /// A `record_value:` step printed `value`: kept at once, a measurement stands even if a
    /// later step of the phase fails.
    fn value_recorded(&self, _pair: &Pair, _name: &str, _value: u64) -> Result<(), String> {
        Ok(())
    }
}

/// What the journal says of a pair before a run.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Completed phases that no later rollback undid.
    pub completed: Vec<String>,
    /// The pair passed its point of no return.
    pub point_of_no_return: bool,
}

/// No hooks.
pub struct NoHooks;
impl Hooks for NoHooks {}

/// What every pair task of a run shares.
pub(crate) struct Shared {
    hosts: Arc<dyn Hosts>,
    reporter: Arc<dyn Reporter>,
    cancel: Cancel,
    role: Arc<Role>,
    check_mode: bool,
    grace: Duration,
    hooks: Arc<dyn Hooks>,
    /// Set by `--any-errors-fatal` when a pair failed (as opposed to the operator's Ctrl-C).
    policy_stop: AtomicBool,
    interrupted: AtomicBool,
    deadline_reached: AtomicBool,
    target_lock: Option<String>,
    /// The run's id, the `run_id` fact (the hosts' state records name the run that wrote them).
    run_id: String,
    /// The stop signal of rollbacks: only a third Ctrl-C raises it (see `rollback.rs`).
    rollback_cancel: Cancel,
    /// Whether a pair of this run can be rolled back at all (a read-only preflight cannot), and
    /// how many rollbacks have started: what the Ctrl-C messages say.
    may_roll_back: bool,
    rollbacks_started: std::sync::atomic::AtomicUsize,
    inventory_path: std::path::PathBuf,
}

impl Shared {
    fn emit(&self, event: Event) {
        self.reporter.event(&event);
    }

    fn stop_reason(&self) -> String {
        if self.deadline_reached.load(Ordering::SeqCst) {
            "the --until deadline was reached".into()
        } else if self.interrupted.load(Ordering::SeqCst) {
            "interrupted (Ctrl-C)".into()
        } else if self.policy_stop.load(Ordering::SeqCst) {
            "stopped: another pair failed and --any-errors-fatal is set".into()
        } else {
            "stopped".into()
        }
    }
}

/// Run a plan on real hosts (SSH, the controller). Never fails as a whole: each pair's outcome
/// is in the report.
pub async fn execute(
    plan: &Plan,
    options: &RunOptions,
    ssh: SshContext,
    reporter: Arc<dyn Reporter>,
    hooks: Arc<dyn Hooks>,
    cancel: Cancel,
) -> RunReport {
    execute_on(plan, options, Arc::new(SshHosts(ssh)), reporter, hooks, cancel).await
}

/// Run a plan on the hosts `hosts` opens (the tests' fake hosts, or [`SshHosts`]).
pub(crate) async fn execute_on(
    plan: &Plan,
    options: &RunOptions,
    hosts: Arc<dyn Hosts>,
    reporter: Arc<dyn Reporter>,
    hooks: Arc<dyn Hooks>,
    cancel: Cancel,
) -> RunReport {
    let started = Instant::now();
    let shared = Arc::new(Shared {
        hosts,
        reporter: reporter.clone(),
        cancel: cancel.clone(),
        role: plan.role.clone(),
        check_mode: plan.check_mode,
        grace: options.grace,
        hooks,
        policy_stop: AtomicBool::new(false),
        interrupted: AtomicBool::new(false),
        deadline_reached: AtomicBool::new(false),
        target_lock: options.target_lock.clone(),
        run_id: options.run_id.clone(),
        rollback_cancel: Cancel::default(),
        may_roll_back: plan.waves.iter().flat_map(|w| &w.pairs).any(|p| !p.rollbacks.is_empty()),
        rollbacks_started: Default::default(),
        inventory_path: plan.inventory_path.clone(),
    });
    let signals = options.handle_signals.then(|| tokio::spawn(watch_signals(shared.clone())));
    let deadline = options.deadline.map(|at| tokio::spawn(watch_deadline(shared.clone(), at)));
    tokio::task::yield_now().await;
    announce_run(&shared, options, plan);
    let mut reports: Vec<PairReport> = Vec::new();
    let mut stopped: Option<String> = None;
    if options.deadline.is_some_and(|d| d <= SystemTime::now()) {
        // `--until` is already over: start nothing.
        shared.deadline_reached.store(true, Ordering::SeqCst);
        shared.cancel.raise(Level::Hard);
        stopped = Some("the --until deadline has passed".into());
    }
    for wave in &plan.waves {
        if stopped.is_some() || cancel.level() >= Level::Soft {
            reports.extend(
                wave.pairs.iter().map(|p| not_run(&p.pair.name, &wave.label, &shared, stopped.as_deref())),
            );
            continue;
        }
        let (wave_reports, stop) = run_wave(&shared, options, plan, wave).await;
        stopped = stop;
        reports.extend(wave_reports);
    }
    for handle in [signals, deadline].into_iter().flatten() {
        handle.abort();
    }
    let report = RunReport {
        run_id: options.run_id.clone(),
        role: plan.role.describe(),
        phases: plan.phases.clone(),
        check_mode: plan.check_mode,
        interrupted: shared.interrupted.load(Ordering::SeqCst),
        deadline_reached: shared.deadline_reached.load(Ordering::SeqCst),
        stopped,
        duration: started.elapsed(),
        overrides: options.overrides.clone(),
        pairs: reports
            .into_iter()
            .map(|mut r| {
                r.host_state_override = options.overrides.contains(&r.pair);
                r
            })
            .collect(),
    };
    shared.emit(run_finished(&report));
    report
}

/// The run's first events: what runs, and the override said loudly.
fn announce_run(shared: &Shared, options: &RunOptions, plan: &Plan) {
    let total: usize = plan.waves.iter().map(|w| w.pairs.len()).sum();
    shared.emit(Event::RunStarted {
        run_id: options.run_id.clone(),
        run_dir: options.run_dir.clone(),
        role: plan.role.describe(),
        phases: plan.phases.clone(),
        pairs: total,
        waves: plan.waves.len(),
        check_mode: plan.check_mode,
    });

    if !options.overrides.is_empty() {
        shared.emit(Event::Notice {
            message: format!(
                "UNSAFE: --unsafe-override-host-state lifts the host-state safety checks for {}",
                options.overrides.join(", ")
            ),
        });
    }
}

/// The run's last event: how many pairs ended how, and the exit code.
fn run_finished(report: &RunReport) -> Event {
    Event::RunFinished {
        ok: report.count(PairStatus::Ok),
        warning: report.count(PairStatus::Warning),
        failed: report.count(PairStatus::Failed),
        unreachable: report.count(PairStatus::Unreachable),
        other: report
            .pairs
            .iter()
            .filter(|p| {
                !matches!(
                    p.status,
                    PairStatus::Ok | PairStatus::Warning | PairStatus::Failed | PairStatus::Unreachable
                )
            })
            .count(),
        secs: report.duration.as_secs_f64(),
        exit_code: report.exit_code(),
    }
}

/// Run one wave (or `--serial` batch): its pairs at most `--forks` at once; then the failure
/// policy says whether later waves run (`Some(why)` when they do not).
async fn run_wave(
    shared: &Arc<Shared>,
    options: &RunOptions,
    plan: &Plan,
    wave: &crate::plan::Wave,
) -> (Vec<PairReport>, Option<String>) {
    let mut stopped = None;
    shared.emit(Event::WaveStarted {
        wave: wave.label.clone(),
        pairs: wave.pairs.iter().map(|p| p.pair.name.clone()).collect(),
    });
    let forks = Arc::new(Semaphore::new(options.forks.max(1)));
    let mut tasks = Vec::new();
    for pair_plan in &wave.pairs {
        let shared = shared.clone();
        let forks = forks.clone();
        let pair_plan = pair_plan.clone();
        let wave_label = wave.label.clone();
        let phases = plan.phases.clone();
        let fatal = options.any_errors_fatal;
        tasks.push(tokio::spawn(async move {
            let permit = tokio::select! {
                p = forks.acquire_owned() => p.expect("semaphore never closed"),
                _ = shared.cancel.reached(Level::Soft) => return not_run(&pair_plan.pair.name, &wave_label, &shared, None),
            };
            let report = run_pair(&shared, &pair_plan, &wave_label, &phases).await;
            drop(permit);
            if fatal && matches!(report.status, PairStatus::Failed | PairStatus::Unreachable) {
                shared.policy_stop.store(true, Ordering::SeqCst);
                shared.cancel.raise(Level::Soft);
            }
            report
        }));
    }
    let mut wave_reports = Vec::new();
    for task in tasks {
        match task.await {
            Ok(report) => wave_reports.push(report),
            Err(e) => wave_reports.push({
                let mut r = PairReport::new("?", &wave.label, PairStatus::Failed);
                r.message = Some(format!("internal error: {e}"));
                r
            }),
        }
    }
    let failed = wave_reports.iter().filter(|r| r.status == PairStatus::Failed).count();
    let unreachable = wave_reports.iter().filter(|r| r.status == PairStatus::Unreachable).count();
    let ok = wave_reports.iter().filter(|r| r.status.succeeded()).count();
    let bad_percent = (failed + unreachable) as f64 * 100.0 / wave_reports.len().max(1) as f64;
    if shared.policy_stop.load(Ordering::SeqCst) {
        stopped = Some(format!("a pair of {} failed and --any-errors-fatal is set", wave.label));
    } else if let Some(max) = options.max_fail_percent
        && bad_percent > max as f64
    {
        stopped = Some(format!(
            "{:.0}% of the pairs of {} failed, more than --max-fail-percent {max}",
            bad_percent, wave.label
        ));
    }
    shared.emit(Event::WaveFinished {
        wave: wave.label.clone(),
        ok,
        failed,
        unreachable,
        stopped_later_waves: stopped.clone(),
    });
    (wave_reports, stopped)
}

async fn run_pair(
    shared: &Shared,
    plan: &crate::plan::PairPlan,
    wave: &str,
    phases: &[String],
) -> PairReport {
    let name = &plan.pair.name;
    if let Err((status, message)) = shared.hooks.pair_starting(&plan.pair, phases) {
        return ended_early(shared, name, wave, status, message);
    }
    shared.emit(Event::PairStarted { pair: name.clone() });
    let run = pair::PairRun::new(shared, plan);
    if let Some(owner) = &shared.target_lock
        && let Err((status, message)) = run.lock(owner).await
    {
        run.close().await;
        let mut report = ended_early(shared, name, wave, status, message);
        run.journaled(shared.hooks.pair_finished(&plan.pair, &report));
        report.journal_not_written = run.journal_not_written();
        return report;
    }
    let mut report = run.run(wave).await;
    report.point_of_no_return = run.passed_point_of_no_return();
    rollback::on_demand(shared, &mut report);
    if let Some(rollback) = run.rollback_due(report.status) {
        rollback::roll_back(&run, shared, &rollback, &mut report).await;
    }
    run.close().await;
    let finished = shared.hooks.pair_finished(&plan.pair, &report);
    run.journaled(finished);
    report.journal_not_written = run.journal_not_written();
    shared.emit(Event::PairFinished {
        pair: name.clone(),
        status: report.status,
        failed_step: report.failed_step.clone(),
        message: report.message.clone(),
        secs: report.duration.as_secs_f64(),
    });
    report
}

fn not_run(pair: &str, wave: &str, shared: &Shared, reason: Option<&str>) -> PairReport {
    let message = reason.map(str::to_string).unwrap_or_else(|| shared.stop_reason());
    ended_early(shared, pair, wave, PairStatus::NotRun, message)
}

/// A pair that did not run its steps (busy, blocked, not run): reported with why.
fn ended_early(shared: &Shared, pair: &str, wave: &str, status: PairStatus, message: String) -> PairReport {
    let mut report = PairReport::new(pair, wave, status);
    report.message = Some(message.clone());
    shared.emit(Event::PairFinished {
        pair: pair.into(),
        status,
        failed_step: None,
        message: Some(message),
        secs: 0.0,
    });
    report
}

/// At the deadline: nothing new starts, and running steps stop now (rsync resumes next time).
async fn watch_deadline(shared: Arc<Shared>, at: SystemTime) {
    if let Ok(wait) = at.duration_since(SystemTime::now()) {
        tokio::time::sleep(wait).await;
    }
    shared.deadline_reached.store(true, Ordering::SeqCst);
    shared.cancel.raise(Level::Hard);
    shared.emit(Event::Notice {
        message: "the --until deadline is reached: stopping running steps, starting nothing new".into(),
    });
}

/// First Ctrl-C (or SIGTERM): soft stop; second: hard stop of the migration's steps; third:
/// rollbacks too are abandoned (they run through the first two: they are the safety net).
async fn watch_signals(shared: Arc<Shared>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    else {
        return;
    };
    for press in 1..=3 {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
        shared.interrupted.store(true, Ordering::SeqCst);
        let message = interrupt_message(&shared, press);
        shared.emit(Event::Notice { message });
    }
}

/// Raise the stop signal of the `press`-th Ctrl-C and say what it does in this run: pending
/// connections are dropped at the first, and rollbacks are named only where there can be some.
fn interrupt_message(shared: &Shared, press: u32) -> String {
    let rollbacks = shared.rollbacks_started.load(Ordering::SeqCst);
    match press {
        1 => {
            shared.cancel.raise(Level::Soft);
            let then = if shared.may_roll_back {
                "; pairs before their point of no return are then rolled back"
            } else {
                ""
            };
            format!(
                "interrupt: starting nothing new and dropping pending connections; running steps get {} s to \
                 finish (Ctrl-C again to stop them now){then}",
                shared.grace.as_secs()
            )
        }
        2 => {
            shared.cancel.raise(Level::Hard);
            if shared.may_roll_back {
                "interrupt again: stopping every running step now; rollbacks still run (a third Ctrl-C abandons them)"
                    .to_string()
            } else {
                "interrupt again: stopping every running step now".to_string()
            }
        }
        _ => {
            shared.rollback_cancel.raise(Level::Hard);
            if rollbacks > 0 {
                "third interrupt: abandoning running rollbacks; their pairs are left half-way (see the summary)"
                    .to_string()
            } else {
                "interrupt: already stopping; no rollback is running".to_string()
            }
        }
    }
}

#[cfg(test)]
mod tests;

//! Running a pair's rollback, once its run ended badly while armed (when that is: `arming.rs`;
//! the point-of-no-return marker the role's templates cite from here is read in
//! `pair/point_of_no_return.rs`).
//!
//! The rollback is the safety net: its steps obey their own stop signal, not the run's. A first
//! Ctrl-C or the `--until` deadline stops the migration's steps, then the rollback runs; a second
//! Ctrl-C stops the migration's steps at once (the rollback still runs); only a third one
//! abandons a running rollback (see `exec::watch_signals`). Each rollback step is bounded by its
//! own timeout.

use std::time::Instant;

use super::Shared;
use super::batch::batch_end;
use super::pair::PairRun;
use crate::outcome::{Event, PairReport, RollbackReport};

/// Run rollback `phase` for a pair whose run just ended badly; the outcome goes in `report`.
pub(super) async fn roll_back(run: &PairRun<'_>, shared: &Shared, phase: &str, report: &mut PairReport) {
    let started = Instant::now();
    let pair = run.pair_name().to_string();
    let Some(steps) = run.plan().rollbacks.get(phase) else {
        report.rollback = Some(failed(shared, &pair, phase, "-", "its steps were not planned"));
        return;
    };
    run.use_cancel(shared.rollback_cancel.clone());
    shared.rollbacks_started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    shared.emit(Event::Notice {
        message: format!(
            "{pair}: rolling back (phase `{phase}`): the pair did not pass its point of no return; \
             each step is bounded by its timeout (a third Ctrl-C abandons it)"
        ),
    });
    let mut i = 0;
    while i < steps.len() {
        let j = batch_end(steps, i);
        let results = run.run_batch(&steps[i..j]).await;
        for (ps, result) in steps[i..j].iter().zip(&results) {
            if !result.status.is_success() {
                let why = match result.tail.last() {
                    Some(last) => format!("{}: {last}", result.status.describe()),
                    None => result.status.describe(),
                };
                let step = format!("{phase}/{}", ps.label);
                report.rollback = Some(failed(shared, &pair, phase, &step, &why));
                finished(shared, &pair, phase, false);
                return;
            }
        }
        i = j;
    }
    report.rollback = Some(RollbackReport {
        phase: phase.to_string(),
        ok: true,
        message: format!("rolled back: {}", rolled_back_text(shared, phase)),
        failed_step: None,
        secs: started.elapsed().as_secs_f64(),
    });
    finished(shared, &pair, phase, true);
    run.journaled(shared.hooks.phase_finished(&run.plan().pair, phase, report));
}

/// A rollback run as a command (`bmfleet rollback`) is reported like an automatic one.
pub(super) fn on_demand(shared: &Shared, report: &mut PairReport) {
    let role = &shared.role;
    let is_rollback = |name: &str| role.phases.iter().any(|p| p.rollback.as_deref() == Some(name));
    if let Some(phase) = report.phases_completed.iter().find(|p| is_rollback(p)) {
        report.rollback = Some(RollbackReport {
            phase: phase.clone(),
            ok: true,
            message: format!("rolled back: {}", rolled_back_text(shared, phase)),
            failed_step: None,
            secs: report.duration.as_secs_f64(),
        });
    }
}

fn rolled_back_text(shared: &Shared, phase: &str) -> String {
    let phase_def = shared.role.phase(phase);
    phase_def
        .and_then(|p| p.message.clone().or_else(|| p.description.clone()))
        .unwrap_or_else(|| format!("phase {phase} completed"))
}

fn finished(shared: &Shared, pair: &str, phase: &str, ok: bool) {
    shared.emit(Event::PhaseFinished { pair: pair.into(), phase: phase.into(), ok });
}

fn failed(shared: &Shared, pair: &str, phase: &str, step: &str, why: &str) -> RollbackReport {
    let inventory = shared.inventory_path.display();
    RollbackReport {
        phase: phase.to_string(),
        ok: false,
        message: format!(
            "ROLLBACK FAILED: {step}, {why}: the pair is half-way; check both hosts by hand (is the \
             target stopped? does the origin serve?), then run `bmfleet {phase} -i {inventory} --limit {pair}`"
        ),
        failed_step: Some(step.to_string()),
        secs: 0.0,
    }
}

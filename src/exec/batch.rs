//! Batches: the steps a pair runs at once. A batch is one step, or the consecutive steps of one
//! parallel group (and phase), each step definition bounded by its `max_parallel`, a step with
//! `after:` held until those steps ended. Apart from `pair/`, which walks the batches in order
//! and accounts for their results: how one batch runs is a concern of its own, so it is given
//! how to run and how to skip one step rather than the pair itself.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::{Semaphore, watch};

use super::ledger::StepResult;
use crate::plan::PlannedStep;

/// The end (exclusive) of the batch starting at step `i`: one step, or the consecutive steps of
/// the same parallel group and phase.
pub(super) fn batch_end(steps: &[PlannedStep], i: usize) -> usize {
    let mut j = i + 1;
    if let Some(group) = &steps[i].step.parallel {
        while j < steps.len()
            && steps[j].step.parallel.as_ref() == Some(group)
            && steps[j].step.phase == steps[i].step.phase
        {
            j += 1;
        }
    }
    j
}

/// Run the steps of one parallel group at once: each step definition (all its loop items)
/// at most `max_parallel` at a time, a step with `after:` once those steps ended (`skip`ped,
/// with why, when one of them failed). The connection bounds the channels open on each host
/// (`ssh::MAX_CHANNELS`).
pub(super) async fn run<'s, F>(
    batch: &'s [PlannedStep],
    run_step: impl Fn(&'s PlannedStep) -> F,
    skip: impl Fn(&'s PlannedStep, &str) -> StepResult,
) -> Vec<StepResult>
where
    F: Future<Output = StepResult>,
{
    if batch.len() == 1 {
        return vec![run_step(&batch[0]).await];
    }
    let mut limits: HashMap<&str, Arc<Semaphore>> = HashMap::new();
    let mut pending: HashMap<String, (usize, bool)> = HashMap::new();
    for ps in batch {
        limits
            .entry(ps.step.name.as_str())
            .or_insert_with(|| Arc::new(Semaphore::new(ps.max_parallel.max(1))));
        pending.entry(ps.step.name.clone()).or_insert((0, false)).0 += 1;
    }
    let pending = Mutex::new(pending);
    let (progress, _) = watch::channel(0u64);
    let futures: Vec<_> = batch
        .iter()
        .map(|ps| {
            let limit = limits[ps.step.name.as_str()].clone();
            let (pending, progress, run_step, skip) = (&pending, &progress, &run_step, &skip);
            Box::pin(async move {
                let mut rx = progress.subscribe();
                let failed_dependency = loop {
                    let (waiting, failed) = {
                        let state = pending.lock().expect("batch state");
                        let waiting =
                            ps.step.after.iter().any(|a| state.get(a).is_some_and(|(left, _)| *left > 0));
                        (
                            waiting,
                            ps.step.after.iter().find(|a| state.get(*a).is_some_and(|(_, f)| *f)).cloned(),
                        )
                    };
                    if !waiting || failed.is_some() {
                        break failed;
                    }
                    let _ = rx.changed().await;
                };
                let blocked = failed_dependency.is_some();
                let result = match failed_dependency {
                    Some(dep) => {
                        skip(ps, &format!("after `{dep}`, which failed or was skipped for a failure"))
                    }
                    None => {
                        let _permit = limit.acquire_owned().await.expect("never closed");
                        run_step(ps).await
                    }
                };
                if let Some(entry) = pending.lock().expect("batch state").get_mut(&ps.step.name) {
                    entry.0 -= 1;
                    // Skipped for a failed dependency counts as failed for the steps after it:
                    // they never run on what it did not do.
                    entry.1 |= blocked || !result.status.is_success();
                }
                progress.send_modify(|n| *n += 1);
                result
            })
        })
        .collect();
    futures::future::join_all(futures).await
}

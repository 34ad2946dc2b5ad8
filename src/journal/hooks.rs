//! The journal during a run: the executor's hooks (`exec::Hooks`) that gate each pair on what
//! the journal says (`requires:`, the point of no return) and record what the run does to it.

use std::time::SystemTime;

use super::{Journal, PairJournal, PhaseRecord, PointOfNoReturn, Running, SyncRecord};
use crate::exec::{History, Hooks};
use crate::inventory::Pair;
use crate::outcome::{PairReport, PairStatus};
use crate::role::Role;
use crate::role::journal::SyncKind;
use crate::time::epoch_secs;

/// The executor's hooks that keep the journal: gate pairs on `requires:`, record each phase.
pub struct JournalHooks {
    pub journal: std::sync::Arc<Journal>,
    pub role: std::sync::Arc<Role>,
    pub run_id: String,
    /// `--force`: run phases whose `requires:` are not met.
    pub force: bool,
    /// Pairs named by `--unsafe-override-host-state`: the point-of-no-return refusal is lifted.
    pub overrides: Vec<String>,
}

/// What `--unsafe-override-host-state` lifts on the hosts. It sets the role variable
/// `host_state_override` for the pair, under which every refusal of the hosts' own records warns
/// and goes on (`bmf_refuse` in the bluemind role's templates/lib/host-state.sh, and the guards of
/// hot-sync/stop-target.sh, cold-sync/stop-target.sh and post/start-target.sh that call it). Said
/// in full wherever the override is suggested, so that nobody reaches for it lightly.
pub const HOST_GUARDS_LIFTED: &str = "syncing into a live target; a retired origin as a sync \
    source or a target; a host recorded for another pair, or origin and target swapped; a host with \
    no record of the pair (preflight not run) or a cut-over pair recorded again; a machine-id or \
    host key changed since preflight; a cutover or start without a verified cold sync; a target \
    started while its bm.ini names a database address it does not own (its core would use the \
    origin's database); a first hot sync into a target that holds more mail than its origin; a \
    cold sync into a target no hot sync reached";

impl JournalHooks {
    /// Phases marked `after_point_of_no_return: refuse` refuse a pair past its point of no
    /// return, whatever `--force` says; only the per-pair override lifts it.
    fn refuse_after_point_of_no_return(
        &self,
        pair: &Pair,
        journal: &PairJournal,
        phases: &[String],
    ) -> Result<(), (PairStatus, String)> {
        let Some(ponr) = &journal.point_of_no_return else { return Ok(()) };
        if self.overrides.contains(&pair.name) {
            return Ok(());
        }
        let refused = phases.iter().find(|p| {
            self.role
                .phase(p)
                .is_some_and(|d| d.after_point_of_no_return == crate::role::AfterPointOfNoReturn::Refuse)
        });
        let Some(phase) = refused else { return Ok(()) };
        let when = crate::time::rfc3339(
            SystemTime::UNIX_EPOCH + std::time::Duration::from_secs_f64(ponr.at.max(0.0)),
        );
        let all_refused: Vec<&str> = (self.role.phases.iter())
            .filter(|d| d.after_point_of_no_return == crate::role::AfterPointOfNoReturn::Refuse)
            .map(|d| d.name.as_str())
            .collect();
        Err((
            PairStatus::Blocked,
            format!(
                "{name} passed its point of no return ({}, run {}, {when}): its target serves in the origin's \
                 place, and `{phase}` would overwrite or undo that; refused whatever --force says. If the \
                 migration is over there is nothing to do. Only for a deliberate re-sync, both hosts checked by \
                 hand: --unsafe-override-host-state {name} lifts, for that pair in that one run, this refusal \
                 (of {}) AND every refusal of the hosts' own records, each then a warning: {HOST_GUARDS_LIFTED}",
                ponr.step,
                ponr.run_id,
                all_refused.join(", "),
                name = pair.name,
            ),
        ))
    }
}

impl JournalHooks {
    /// Change a pair's journal; `Err` says what could not be recorded, where, and why.
    fn write(&self, pair: &Pair, what: &str, change: impl FnOnce(&mut PairJournal)) -> Result<(), String> {
        self.journal.update(&pair.name, change).map_err(|e| {
            format!("the journal {} could not record {what}: {e}", self.journal.path(&pair.name).display())
        })
    }
}

impl Hooks for JournalHooks {
    fn pair_starting(&self, pair: &Pair, phases: &[String]) -> Result<(), (PairStatus, String)> {
        let journal = self.journal.try_read(&pair.name).map_err(|m| (PairStatus::Blocked, m))?;
        self.refuse_after_point_of_no_return(pair, &journal, phases)?;
        if !self.force {
            for phase in phases {
                let Some(def) = self.role.phase(phase) else { continue };
                for req in &def.requires {
                    let in_run_before = phases.iter().take_while(|p| *p != phase).any(|p| p == req);
                    if !in_run_before && !journal.phases.contains_key(req) {
                        return Err((
                            PairStatus::Blocked,
                            format!(
                                "{phase} needs a completed {req} for this pair; run {req} first (or pass --force)"
                            ),
                        ));
                    }
                }
            }
        }
        let run = Running {
            run_id: self.run_id.clone(),
            pid: std::process::id(),
            since: epoch_secs(SystemTime::now()),
        };
        self.write(pair, "that this run works on it", |j| j.running = Some(run)).map_err(|why| {
            (
                PairStatus::Blocked,
                format!("{why}; nothing was run for this pair: bmfleet runs no pair whose history it cannot record"),
            )
        })
    }

    fn phase_finished(&self, pair: &Pair, phase: &str, report: &PairReport) -> Result<(), String> {
        let now = epoch_secs(SystemTime::now());
        let resets: Vec<String> = self.role.phase(phase).map(|p| p.resets.clone()).unwrap_or_default();
        self.write(pair, &format!("that phase {phase} completed"), |j| {
            j.phases
                .insert(phase.to_string(), PhaseRecord { completed_at: now, run_id: self.run_id.clone() });
            for r in &resets {
                j.phases.remove(r);
            }
            for (k, v) in &report.records {
                j.records.insert(k.clone(), *v);
            }
            if let Some(transfer) = report.transfers.get(phase) {
                let record = SyncRecord { at: now, run_id: self.run_id.clone(), transfer: transfer.clone() };
                match self.role.journal.sync_kind(phase) {
                    Some(SyncKind::Repeatable) => {
                        j.previous_sync = j.last_sync.take();
                        j.last_sync = Some(record);
                        j.partial_sync = None;
                    }
                    Some(SyncKind::Final) => j.final_sync = Some(record),
                    None => {}
                }
            }
        })
    }

    fn history(&self, pair: &Pair) -> History {
        let journal = self.journal.read(&pair.name);
        // A phase completed before its rollback last ran was undone by it.
        let undone = |phase: &str, at: f64| {
            let rollback = self.role.phase(phase).and_then(|p| p.rollback.as_deref());
            rollback.and_then(|r| journal.phases.get(r)).is_some_and(|r| r.completed_at >= at)
        };
        History {
            completed: journal
                .phases
                .iter()
                .filter(|(phase, record)| !undone(phase, record.completed_at))
                .map(|(phase, _)| phase.clone())
                .collect(),
            point_of_no_return: journal.point_of_no_return.is_some(),
        }
    }

    /// The journal as it is, written again: the file reads, and a new one can be written and
    /// renamed in its place, now, right before the step whose record must not be lost.
    fn point_of_no_return_recordable(&self, pair: &Pair, step: &str) -> Result<(), String> {
        self.write(pair, &format!("the point of no return of {step} (tried before it starts)"), |_| {})
    }

    fn point_of_no_return(&self, pair: &Pair, step: &str) -> Result<(), String> {
        let record = PointOfNoReturn {
            at: epoch_secs(SystemTime::now()),
            run_id: self.run_id.clone(),
            step: step.to_string(),
        };
        self.write(pair, &format!("that it passed its point of no return at {step}"), |j| {
            j.point_of_no_return.get_or_insert(record);
        })
    }

    fn value_recorded(&self, pair: &Pair, name: &str, value: u64) -> Result<(), String> {
        self.write(pair, &format!("the value {name} = {value}"), |j| {
            j.values.insert(name.to_string(), value);
        })
    }

    fn pair_finished(&self, pair: &Pair, report: &PairReport) -> Result<(), String> {
        let stopped_in_sync = report.status == PairStatus::Stopped
            && report.failed_step.as_deref().is_some_and(|s| self.role.journal.in_repeatable_sync(s));
        self.write(pair, "how this run ended for it", |j| {
            j.running = None;
            j.last_status = Some(report.status);
            j.last_run_id = Some(self.run_id.clone());
            for (k, v) in &report.records {
                j.records.insert(k.clone(), *v);
            }
            if stopped_in_sync {
                j.partial_sync = Some(PhaseRecord {
                    completed_at: epoch_secs(SystemTime::now()),
                    run_id: self.run_id.clone(),
                });
            }
        })
    }
}

//! The pair's side of the point of no return: a `point_of_no_return` step passes it at its
//! start, at its marker line, or by its end (the rules: `exec/arming.rs`); the pair then disarms
//! its rollback for good, journals it and says it.

use super::PairRun;
use crate::exec::arming::{POINT_OF_NO_RETURN_MARKER, passed_by_its_end, prints_marker};
use crate::exec::attempt::End;
use crate::outcome::{Event, PairStatus, StepStatus, Stream};
use crate::plan::PlannedStep;

impl PairRun<'_> {
    /// The rollback due for a run that ended with `status` (none in check mode).
    pub(in crate::exec) fn rollback_due(&self, status: PairStatus) -> Option<String> {
        if self.shared.check_mode {
            return None;
        }
        self.arming.lock().expect("arming").after_run(status).map(str::to_string)
    }

    /// The step of this run that passed the point of no return.
    pub(in crate::exec) fn passed_point_of_no_return(&self) -> Option<String> {
        self.arming.lock().expect("arming").passed_in_run().map(str::to_string)
    }

    /// A `point_of_no_return` step is about to start: refused (never started) when the journal
    /// cannot record its point now (see `Hooks::point_of_no_return_recordable`).
    pub(super) fn point_of_no_return_recordable(&self, ps: &PlannedStep) -> Result<(), StepStatus> {
        if !ps.step.point_of_no_return {
            return Ok(());
        }
        let id = ps.step.id();
        self.shared.hooks.point_of_no_return_recordable(&self.plan().pair, &id).map_err(|why| {
            StepStatus::Refused {
                message: format!(
                    "not started: the journal could not record this step's point of no return ({why}); \
                     a pair past it must be on record, or later runs would not refuse it"
                ),
            }
        })
    }

    /// A step is about to run `script`: a `point_of_no_return` step whose script prints no
    /// marker passes its point now.
    pub(super) fn point_of_no_return_at_start(&self, ps: &PlannedStep, script: Option<&str>) {
        if ps.step.point_of_no_return && !prints_marker(script) {
            self.point_of_no_return(ps);
        }
    }

    /// A line of a step's output: the marker, from a `point_of_no_return` step's stdout, is its
    /// host saying the guards passed.
    pub(super) fn point_of_no_return_line(&self, ps: &PlannedStep, stream: Stream, text: &str) {
        if ps.step.point_of_no_return && stream == Stream::Stdout && text.trim() == POINT_OF_NO_RETURN_MARKER
        {
            self.point_of_no_return(ps);
        }
    }

    /// An attempt of a step ended (`end`, `status`): see `passed_by_its_end`.
    pub(super) fn point_of_no_return_after(&self, ps: &PlannedStep, end: End, status: &StepStatus) {
        if ps.step.point_of_no_return && passed_by_its_end(end, status) {
            self.point_of_no_return(ps);
        }
    }

    /// A `point_of_no_return` step passed its point: disarm for good, journal it, say it.
    fn point_of_no_return(&self, ps: &PlannedStep) {
        let id = ps.step.id();
        let first = {
            let mut arming = self.arming.lock().expect("arming");
            let first = arming.passed_in_run().is_none();
            arming.point_of_no_return(&id);
            first
        };
        if first {
            self.journaled(self.shared.hooks.point_of_no_return(&self.plan().pair, &id));
            self.shared.emit(Event::Notice {
                message: format!("{}: point of no return ({id}): no rollback from here on", self.pair_name()),
            });
        }
    }
}

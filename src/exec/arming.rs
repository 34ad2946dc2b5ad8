//! When a pair rolls back: arming until the point of no return, generic: the role declares it,
//! the engine knows no BlueMind. A pure state machine (`Arming`), fed by the pair as it walks
//! (`pair/point_of_no_return.rs`); running the rollback is `rollback.rs`.
//!
//! A phase with `rollback: R` arms the pair from the moment it starts; a step with
//! `point_of_no_return: true` disarms it for good once it passes its point (the target takes the
//! origin's address or starts serving: from then on going back would lose what the target
//! received). A
//! pair whose run ends failed, stopped (Ctrl-C, `--until`, `--any-errors-fatal`) or unreachable
//! while armed gets phase R run for it right away. A run that ends well while armed rolls
//! nothing back (a cold sync alone leaves the origin stopped, waiting for the cutover).
//!
//! The point follows the host, not the plan: a step's own guards may refuse (a target that does
//! not own the address its bm.ini names is not started), and a step refused there left the
//! pair before its point, rollback allowed. Such a step prints `POINT_OF_NO_RETURN_MARKER` on
//! stdout once its guards passed, right before it does what cannot be undone; the pair passes
//! its point when that line arrives, or when the step ends without it in any way but its host
//! reporting how the script ended short of it (an exit code or a signal, with all its output):
//! a success, a timeout, a Ctrl-C, a lost channel all count as past (in doubt, past). A script
//! that prints no marker passes the point as it starts. The marker is an instruction from a host
//! (issue #27): it is read only from a `point_of_no_return` step, on that step's own channel;
//! from any other step it is output.
//!
//! Arming survives runs: a phase that arms, completed by an earlier run (and not undone by a
//! later rollback), arms every later phase of the role for the pair, so `migrate` resumed after
//! the cold sync still rolls back when the cutover fails. Standalone phases (the rollbacks
//! themselves) never arm.
//!

use super::attempt::End;
use crate::outcome::{PairStatus, StepStatus};

/// The line a `point_of_no_return` step prints on stdout once its guards passed (module docs).
pub const POINT_OF_NO_RETURN_MARKER: &str = "BMFLEET-POINT-OF-NO-RETURN";

/// Whether a script prints the marker: if not, the engine cannot tell where its guards end.
pub(super) fn prints_marker(script: Option<&str>) -> bool {
    script.is_some_and(|s| s.contains(POINT_OF_NO_RETURN_MARKER))
}

/// After an attempt of a `point_of_no_return` step: passed, whether it printed the marker or
/// not, unless it never ran or its host said it ended short of the point (module docs).
pub(super) fn passed_by_its_end(end: End, status: &StepStatus) -> bool {
    match end {
        End::NotStarted => false,
        End::Reported => status.is_success(),
        End::InDoubt => true,
    }
}

/// What the arming rule needs to know of one phase of the role.
#[derive(Debug, Clone)]
pub struct PhaseRule {
    pub name: String,
    pub rollback: Option<String>,
    pub standalone: bool,
}

impl PhaseRule {
    pub fn of(role: &crate::role::Role) -> Vec<PhaseRule> {
        role.phases
            .iter()
            .map(|p| PhaseRule {
                name: p.name.clone(),
                rollback: p.rollback.clone(),
                standalone: p.standalone,
            })
            .collect()
    }
}

/// The arming state of one pair during one run (a pure state machine, see the module docs).
#[derive(Debug, Clone)]
pub struct Arming {
    rules: Vec<PhaseRule>,
    /// The last phase (index in role order) completed, per the journal or this run, that arms.
    completed: Option<usize>,
    /// The phase running (index), once the pair started one.
    current: Option<usize>,
    /// The step that passed the point of no return (`phase/step`), or `journal` for a pair the
    /// journal says passed it before this run.
    passed: Option<String>,
}

impl Arming {
    /// `completed`: the phases the journal says completed (and no rollback undid since);
    /// `passed`: the journal says the pair passed its point of no return.
    pub fn new(rules: Vec<PhaseRule>, completed: &[String], passed: bool) -> Arming {
        let mut arming = Arming { rules, completed: None, current: None, passed: None };
        if passed {
            arming.passed = Some("journal".into());
        }
        for phase in completed {
            arming.phase_completed(phase);
        }
        arming
    }

    fn index(&self, phase: &str) -> Option<usize> {
        self.rules.iter().position(|r| r.name == phase)
    }

    pub fn phase_started(&mut self, phase: &str) {
        self.current = self.index(phase);
    }

    pub fn phase_completed(&mut self, phase: &str) {
        if let Some(i) = self.index(phase)
            && self.rules[i].rollback.is_some()
            && !self.rules[i].standalone
        {
            self.completed = Some(self.completed.map_or(i, |c| c.max(i)));
        }
    }

    /// A `point_of_no_return` step passed its point: disarmed for good.
    pub fn point_of_no_return(&mut self, step: &str) {
        self.passed.get_or_insert_with(|| step.to_string());
    }

    /// The step of this run that passed the point of no return, if one did.
    pub fn passed_in_run(&self) -> Option<&str> {
        self.passed.as_deref().filter(|s| *s != "journal")
    }

    /// The rollback armed right now, if any.
    pub fn armed(&self) -> Option<&str> {
        if self.passed.is_some() {
            return None;
        }
        let current = &self.rules[self.current?];
        if current.standalone {
            return None;
        }
        if let Some(r) = &current.rollback {
            return Some(r);
        }
        let completed = self.completed?;
        (completed < self.current?).then(|| self.rules[completed].rollback.as_deref()).flatten()
    }

    /// The rollback to run for a pair whose run ended with `status`, if any.
    pub fn after_run(&self, status: PairStatus) -> Option<&str> {
        match status {
            PairStatus::Failed | PairStatus::Stopped | PairStatus::Unreachable => self.armed(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The BlueMind role's shape: cold-sync, revoke-trust and cutover arm `rollback`.
    fn rules() -> Vec<PhaseRule> {
        let rule = |name: &str, rollback: bool, standalone: bool| PhaseRule {
            name: name.into(),
            rollback: rollback.then(|| "rollback".to_string()),
            standalone,
        };
        vec![
            rule("preflight", false, false),
            rule("trust", false, false),
            rule("hot-sync", false, false),
            rule("cold-sync", true, false),
            rule("revoke-trust", true, false),
            rule("cutover", true, false),
            rule("post", false, false),
            rule("rollback", false, true),
        ]
    }

    fn done(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn nothing_is_armed_before_a_phase_that_arms() {
        let mut a = Arming::new(rules(), &[], false);
        assert_eq!(a.after_run(PairStatus::Failed), None, "no phase started");
        a.phase_started("preflight");
        a.phase_completed("preflight");
        a.phase_started("hot-sync");
        assert_eq!(a.after_run(PairStatus::Failed), None);
        assert_eq!(a.after_run(PairStatus::Stopped), None);
    }

    #[test]
    fn a_cold_sync_that_fails_stops_or_loses_a_host_rolls_back() {
        let mut a = Arming::new(rules(), &done(&["preflight", "trust", "hot-sync"]), false);
        a.phase_started("cold-sync");
        for status in [PairStatus::Failed, PairStatus::Stopped, PairStatus::Unreachable] {
            assert_eq!(a.after_run(status), Some("rollback"), "{status:?}");
        }
    }

    #[test]
    fn a_run_that_ends_well_while_armed_rolls_nothing_back() {
        let mut a = Arming::new(rules(), &[], false);
        a.phase_started("cold-sync");
        a.phase_completed("cold-sync");
        for status in [PairStatus::Ok, PairStatus::Warning, PairStatus::Blocked, PairStatus::Busy] {
            assert_eq!(a.after_run(status), None, "{status:?}");
        }
    }

    #[test]
    fn the_point_of_no_return_disarms_for_good() {
        let mut a = Arming::new(rules(), &done(&["cold-sync", "revoke-trust"]), false);
        a.phase_started("cutover");
        assert_eq!(a.armed(), Some("rollback"));
        a.point_of_no_return("cutover/release origin address");
        assert_eq!(a.after_run(PairStatus::Failed), None);
        assert_eq!(a.passed_in_run(), Some("cutover/release origin address"));
        a.phase_started("post");
        assert_eq!(a.after_run(PairStatus::Failed), None, "still disarmed in later phases");
        // A later run reads the point of no return from the journal.
        let mut later = Arming::new(rules(), &done(&["cold-sync"]), true);
        later.phase_started("cutover");
        assert_eq!(later.after_run(PairStatus::Failed), None);
        assert_eq!(later.passed_in_run(), None);
    }

    #[test]
    fn a_run_started_after_a_completed_cold_sync_is_armed_from_the_journal() {
        // `migrate` resumed after the cold sync: post (no rollback key of its own) fails
        // before its point-of-no-return step.
        let mut a = Arming::new(rules(), &done(&["hot-sync", "cold-sync"]), false);
        a.phase_started("post");
        assert_eq!(a.after_run(PairStatus::Failed), Some("rollback"));
        // A phase before the completed cold sync (a hot sync run again) is not armed.
        let mut b = Arming::new(rules(), &done(&["hot-sync", "cold-sync"]), false);
        b.phase_started("hot-sync");
        assert_eq!(b.after_run(PairStatus::Failed), None);
    }

    #[test]
    fn the_rollback_itself_never_arms() {
        let mut a = Arming::new(rules(), &done(&["cold-sync"]), false);
        a.phase_started("rollback");
        assert_eq!(a.after_run(PairStatus::Failed), None);
    }
}

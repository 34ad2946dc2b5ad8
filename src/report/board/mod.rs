//! What the console knows about a run in flight, built from the events alone: which pairs are
//! running, which of their steps are running (a pair's parallel group runs its seven rsyncs at
//! once, each with its own progress), and per phase how many pairs are done, running, failed or
//! waiting. Pure: fed events with the time they arrived, it renders lines (`view.rs`), so the
//! bars, the plain lines and the tests all show the same thing.

#[cfg(test)]
mod tests;
mod view;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use crate::outcome::Event;

pub use view::DETAIL_MAX;

/// A pair in flight.
#[derive(Debug)]
struct Flight {
    since: Duration,
    phase: Option<String>,
    /// When the pair entered its current phase.
    phase_since: Duration,
    /// Steps running now, in the order they started. Keyed by the step's label, which is unique
    /// within a pair (a loop's items carry their item: `rsync [/var/spool/cyrus/]`).
    running: Vec<Transfer>,
}

/// One running step and, when it reports one, its own progress.
#[derive(Debug)]
struct Transfer {
    step: String,
    progress: Option<(u8, String)>,
}

/// How far the fleet is in one phase.
#[derive(Debug, Default, Clone)]
struct Tally {
    done: usize,
    failed: usize,
    running: usize,
    /// Pairs whose run ended before they reached the phase (an earlier phase failed...).
    not_run: usize,
    /// Time the pairs that completed the phase spent in it, and how many they are: the ETA's
    /// measure of a pair's phase.
    completed_in: Duration,
}

/// The console's picture of a run.
#[derive(Debug, Default)]
pub struct Board {
    pairs: usize,
    phases: Vec<String>,
    tallies: HashMap<String, Tally>,
    flights: BTreeMap<String, Flight>,
    /// Phases each pair has finished (either way) or never will.
    settled: HashMap<String, HashSet<String>>,
    finished: usize,
}

impl Board {
    pub fn new() -> Self {
        Board::default()
    }

    /// Pairs of the run, as `RunStarted` announced.
    pub fn pairs(&self) -> usize {
        self.pairs
    }

    /// Takes in one event that arrived `at` (time since the run started).
    pub fn apply(&mut self, event: &Event, at: Duration) {
        match event {
            Event::RunStarted { phases, pairs, .. } => {
                self.pairs = *pairs;
                self.phases.clone_from(phases);
            }
            Event::PairStarted { pair } => {
                self.flights.insert(
                    pair.clone(),
                    Flight { since: at, phase: None, phase_since: at, running: Vec::new() },
                );
            }
            Event::StepStarted { pair, phase, step, .. } => self.step_started(pair, phase, step, at),
            Event::Progress { pair, step, percent, detail } => {
                let transfer =
                    self.flights.get_mut(pair).and_then(|f| f.running.iter_mut().find(|t| &t.step == step));
                if let Some(t) = transfer {
                    t.progress = Some((*percent, detail.clone()));
                }
            }
            Event::StepFinished { pair, step, .. } => {
                if let Some(f) = self.flights.get_mut(pair) {
                    f.running.retain(|t| &t.step != step);
                }
            }
            Event::PhaseFinished { pair, phase, ok } => self.phase_finished(pair, phase, *ok, at),
            Event::PairFinished { pair, .. } => self.pair_finished(pair),
            _ => {}
        }
    }

    fn step_started(&mut self, pair: &str, phase: &str, step: &str, at: Duration) {
        let Some(flight) = self.flights.get_mut(pair) else { return };
        if flight.phase.as_deref() != Some(phase) {
            flight.phase = Some(phase.to_string());
            flight.phase_since = at;
            self.tallies.entry(phase.to_string()).or_default().running += 1;
        }
        // A retry starts the same step again: it stays one line.
        flight.running.retain(|t| t.step != step);
        flight.running.push(Transfer { step: step.to_string(), progress: None });
    }

    fn phase_finished(&mut self, pair: &str, phase: &str, ok: bool, at: Duration) {
        if !self.settled.entry(pair.to_string()).or_default().insert(phase.to_string()) {
            return;
        }
        let tally = self.tallies.entry(phase.to_string()).or_default();
        let mut entered = None;
        if let Some(f) = self.flights.get_mut(pair)
            && f.phase.as_deref() == Some(phase)
        {
            f.phase = None;
            entered = Some(f.phase_since);
            tally.running = tally.running.saturating_sub(1);
        }
        if ok {
            tally.done += 1;
            tally.completed_in += at.saturating_sub(entered.unwrap_or(at));
        } else {
            tally.failed += 1;
        }
    }

    fn pair_finished(&mut self, pair: &str) {
        self.finished += 1;
        let flight = self.flights.remove(pair);
        let settled = self.settled.entry(pair.to_string()).or_default();
        for phase in &self.phases {
            if !settled.insert(phase.clone()) {
                continue;
            }
            let tally = self.tallies.entry(phase.clone()).or_default();
            // Still in the phase when the pair ended without its PhaseFinished: it did not end well.
            if flight.as_ref().and_then(|f| f.phase.as_deref()) == Some(phase.as_str()) {
                tally.running = tally.running.saturating_sub(1);
                tally.failed += 1;
            } else {
                tally.not_run += 1;
            }
        }
    }
}

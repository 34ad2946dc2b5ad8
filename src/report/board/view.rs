//! The board as lines. Up to `DETAIL_MAX` pairs in flight (and as long as the terminal has the
//! rows) every pair gets a line and, when it runs several steps at once, every running step its
//! own line under it with its own percentage, bytes and rate: a spool's label is never shown with
//! another spool's numbers. Past that, one line per phase with its totals and ETA, then the
//! `LONGEST` pairs that have been running longest: hundreds of bars help nobody.

use std::time::Duration;

use super::{Board, Flight, Tally};

/// Pairs in flight up to which the console shows each of them.
pub const DETAIL_MAX: usize = 20;
/// Running pairs the fleet view still names (the ones running longest).
pub const LONGEST: usize = 5;

impl Board {
    /// What the console shows `now`, in at most about `rows` lines.
    pub fn lines(&self, now: Duration, rows: usize) -> Vec<String> {
        let detail: usize = self.flights.values().map(|f| 1 + f.extra_lines()).sum();
        if self.flights.len() <= DETAIL_MAX && detail <= rows {
            self.flights.iter().flat_map(|(pair, f)| f.lines(pair, now)).collect()
        } else {
            self.fleet_lines(now)
        }
    }

    /// True when `lines` would show the fleet view (totals per phase) at this size (for tests).
    #[cfg(test)]
    pub fn fleet_scale(&self, rows: usize) -> bool {
        self.pairs > DETAIL_MAX || self.pairs * 2 > rows
    }

    /// One line per phase of the run: done, running, failed, waiting, and the ETA.
    pub fn totals(&self, now: Duration) -> Vec<String> {
        self.phases
            .iter()
            .map(|phase| {
                let t = self.tallies.get(phase).cloned().unwrap_or_default();
                let running = self.flights.values().filter(|f| f.phase.as_ref() == Some(phase));
                let in_phase: Vec<Duration> = running.map(|f| now.saturating_sub(f.phase_since)).collect();
                format!("{phase}: {}", t.describe(self.pairs, &in_phase))
            })
            .collect()
    }

    fn fleet_lines(&self, now: Duration) -> Vec<String> {
        let mut lines = self.totals(now);
        let mut longest: Vec<(&String, &Flight)> = self.flights.iter().collect();
        longest.sort_by_key(|(pair, f)| (f.since, (*pair).clone()));
        let shown = longest.len().min(LONGEST);
        if shown > 0 {
            lines.push(format!("running longest ({shown} of {} in flight):", self.flights.len()));
        }
        for (pair, f) in longest.into_iter().take(LONGEST) {
            lines.push(f.summary(pair, now));
        }
        lines
    }
}

impl Tally {
    /// `in_phase`: how long each pair running the phase has been in it.
    fn describe(&self, pairs: usize, in_phase: &[Duration]) -> String {
        let settled = self.done + self.failed + self.running + self.not_run;
        let waiting = pairs.saturating_sub(settled);
        let mut s = format!(
            "{} done, {} running, {} failed, {waiting} waiting",
            self.done, self.running, self.failed
        );
        if self.not_run > 0 {
            s.push_str(&format!(", {} not run", self.not_run));
        }
        if let Some(eta) = self.eta(waiting, in_phase) {
            s.push_str(&format!(", ETA {}", clock(eta)));
        }
        s
    }

    /// When the phase should be over for every pair, from the pairs of this run that completed
    /// it: each took `mean` on average. The running pairs need what is left of their `mean`, the
    /// waiting ones `mean` per batch of as many pairs as run side by side now. This run's pace
    /// rather than the journal's durations: those come from other runs with other `--forks`,
    /// waves and data, and the events (all the console has) do not carry them. None until a pair
    /// has completed the phase, or when nothing is left.
    fn eta(&self, waiting: usize, in_phase: &[Duration]) -> Option<Duration> {
        if self.done == 0 || waiting + in_phase.len() == 0 {
            return None;
        }
        let mean = self.completed_in / u32::try_from(self.done).ok()?;
        let running = in_phase.iter().map(|d| mean.saturating_sub(*d)).max().unwrap_or_default();
        let side_by_side = in_phase.len().max(1);
        let batches = u32::try_from(waiting.div_ceil(side_by_side)).ok()?;
        Some(running + mean * batches)
    }
}

impl Flight {
    fn extra_lines(&self) -> usize {
        if self.running.len() > 1 { self.running.len() } else { 0 }
    }

    fn head(&self, pair: &str, now: Duration) -> String {
        let elapsed = clock(now.saturating_sub(self.since));
        match &self.phase {
            Some(phase) => format!("{pair:12} {elapsed:>6} {phase}"),
            None => format!("{pair:12} {elapsed:>6}"),
        }
    }

    fn lines(&self, pair: &str, now: Duration) -> Vec<String> {
        let head = self.head(pair, now);
        match self.running.as_slice() {
            [] => vec![head],
            [one] => vec![format!("{head} > {}", one.describe(0))],
            many => {
                let mut lines = vec![format!("{head}: {} steps running", many.len())];
                let width = many.iter().map(|t| t.step.chars().count()).max().unwrap_or(0);
                lines.extend(many.iter().map(|t| format!("    {}", t.describe(width))));
                lines
            }
        }
    }

    /// One line, for the fleet view: several running steps are counted, never mixed.
    fn summary(&self, pair: &str, now: Duration) -> String {
        let head = self.head(pair, now);
        match self.running.as_slice() {
            [] => head,
            [one] => format!("{head} > {}", one.describe(0)),
            many => {
                let with: Vec<u8> = many.iter().filter_map(|t| t.progress.as_ref().map(|p| p.0)).collect();
                let mut s = format!("{head}: {} steps running", many.len());
                if !with.is_empty() {
                    let mean = with.iter().map(|p| u32::from(*p)).sum::<u32>() / with.len() as u32;
                    s.push_str(&format!(" ({} reporting progress, {mean}% on average)", with.len()));
                }
                s
            }
        }
    }
}

impl super::Transfer {
    /// The step's label (padded to `width`, to align a pair's transfers) and its own numbers.
    fn describe(&self, width: usize) -> String {
        let step = &self.step;
        match &self.progress {
            Some((percent, detail)) => format!("{step:width$} {percent:>3}% {detail}").trim_end().to_string(),
            None => step.clone(),
        }
    }
}

/// `42s`, `3m05s`, `2h07m`.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

//! The console while a run goes: progress bars on a terminal, one plain line per event without
//! one, or JSON lines (`--format json`) for tools. Step output goes to the logs of the run
//! directory, not to the console, except for `bmfleet exec` (see `exec_output.rs`).

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::events::{Event, PairStatus, Reporter};

/// One JSON object per line, for every event: always valid JSON, even when a run fails.
pub struct JsonLines;

impl Reporter for JsonLines {
    fn event(&self, event: &Event) {
        let line = serde_json::to_string(event).expect("events serialize");
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// One line per event (not per output line), for logs, cron and CI.
pub struct Plain;

impl Plain {
    fn line(event: &Event) -> Option<String> {
        Some(match event {
            Event::RunStarted { run_id, role, phases, pairs, waves, check_mode } => format!(
                "run {run_id}: role {role}, phases {}, {pairs} pairs in {waves} waves{}",
                phases.join(", "),
                if *check_mode { " (check mode)" } else { "" }
            ),
            Event::WaveStarted { wave, pairs } => format!("{wave}: {} pairs", pairs.len()),
            Event::PairStarted { pair } => format!("{pair}: started"),
            Event::StepStarted { pair, phase, step, host, attempt } if *attempt > 1 => {
                format!("{pair}: {phase}/{step} on {host}: retry {attempt}")
            }
            Event::StepFinished { pair, phase, step, host, secs, status, .. } => {
                format!("{pair}: {phase}/{step} on {host}: {} ({secs:.1}s)", status.describe())
            }
            Event::PairFinished { pair, status, failed_step, message, secs } => {
                match (failed_step, message) {
                    (Some(step), Some(m)) => {
                        format!("{pair}: {} at {step}: {m} ({secs:.1}s)", status.as_str())
                    }
                    (None, Some(m)) => format!("{pair}: {}: {m}", status.as_str()),
                    _ => format!("{pair}: {} ({secs:.1}s)", status.as_str()),
                }
            }
            Event::WaveFinished { wave, ok, failed, unreachable, stopped_later_waves } => {
                let mut s = format!("{wave}: {ok} ok, {failed} failed, {unreachable} unreachable");
                if let Some(reason) = stopped_later_waves {
                    s.push_str(&format!("; later waves stopped: {reason}"));
                }
                s
            }
            Event::Notice { message } => message.clone(),
            _ => return None,
        })
    }
}

impl Reporter for Plain {
    fn event(&self, event: &Event) {
        if let Some(line) = Plain::line(event) {
            let mut out = std::io::stderr().lock();
            let _ = writeln!(out, "{} {line}", crate::time::clock(SystemTime::now()));
        }
    }
}

/// Progress bars: one for the whole run, one line per pair in flight. Finished pairs are
/// printed above the bars as one block each.
pub struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
    pairs: Mutex<HashMap<String, (ProgressBar, String)>>,
}

impl Bars {
    pub fn new(pairs: usize) -> Self {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8));
        let total = multi.add(ProgressBar::new(pairs as u64));
        total.set_style(
            ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} pairs {msg}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        total.enable_steady_tick(Duration::from_millis(250));
        Bars { multi, total, pairs: Mutex::new(HashMap::new()) }
    }

    fn pair_bar(&self, pair: &str) -> ProgressBar {
        let bar = self.multi.insert_before(&self.total, ProgressBar::new_spinner());
        bar.set_style(
            ProgressStyle::with_template("  {spinner} {prefix:12} {elapsed:>4} {wide_msg}")
                .expect("valid template"),
        );
        bar.set_prefix(pair.to_string());
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }
}

impl Reporter for Bars {
    fn event(&self, event: &Event) {
        let mut pairs = self.pairs.lock().expect("bars");
        match event {
            Event::WaveStarted { wave, .. } => self.total.set_message(wave.clone()),
            Event::PairStarted { pair } => {
                let bar = self.pair_bar(pair);
                pairs.insert(pair.clone(), (bar, String::new()));
            }
            Event::StepStarted { pair, phase, step, attempt, .. } => {
                if let Some((bar, current)) = pairs.get_mut(pair) {
                    *current = format!(
                        "{phase} > {step}{}",
                        if *attempt > 1 { format!(" (attempt {attempt})") } else { String::new() }
                    );
                    bar.set_message(current.clone());
                }
            }
            Event::Progress { pair, percent, detail, .. } => {
                if let Some((bar, current)) = pairs.get(pair) {
                    bar.set_message(format!("{current} {percent}% {detail}"));
                }
            }
            Event::Notice { message } => {
                let _ = self.multi.println(message);
            }
            Event::PairFinished { pair, status, failed_step, message, secs } => {
                if let Some((bar, _)) = pairs.remove(pair) {
                    bar.finish_and_clear();
                    self.multi.remove(&bar);
                }
                self.total.inc(1);
                let mark = if status.succeeded() {
                    "ok  "
                } else if *status == PairStatus::Busy {
                    "busy"
                } else {
                    "FAIL"
                };
                let mut block = format!("{mark} {pair}: {} in {secs:.1}s", status.as_str());
                if let Some(step) = failed_step {
                    block.push_str(&format!(" at {step}"));
                }
                if let Some(m) = message {
                    block.push_str(&format!("\n       {m}"));
                }
                let _ = self.multi.println(block);
            }
            _ => {}
        }
    }

    fn finish(&self) {
        for (_, (bar, _)) in self.pairs.lock().expect("bars").drain() {
            bar.finish_and_clear();
        }
        self.total.finish_and_clear();
        let _ = self.multi.clear();
    }
}

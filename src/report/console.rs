//! The console while a run goes: progress bars on a terminal, one plain line per event without
//! one, or JSON lines (`--format json`) for tools. Step output goes to the logs of the run
//! directory, not to the console, except for `bmfleet exec` (see `exec_output.rs`).

use std::collections::HashMap;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::board::{Board, DETAIL_MAX};
use crate::outcome::{Event, PairStatus, Reporter, StepStatus};

/// One JSON object per line, for every event: always valid JSON, even when a run fails.
pub struct JsonLines;

impl Reporter for JsonLines {
    fn event(&self, event: &Event) {
        let line = super::json_event::to_json(event, SystemTime::now()).to_string();
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

/// One line per event (not per output line), for logs, cron and CI. A transfer's progress is a
/// line of its own at each quarter (its own label with its own numbers). Past `DETAIL_MAX` pairs
/// the successful steps and the pair starts stay in the run directory's logs and the console gets
/// the totals per phase instead, at most every `TOTALS_EVERY`: one line per pair, per failure and
/// per totals, however many steps the role has.
pub struct Plain {
    state: Mutex<PlainState>,
}

struct PlainState {
    board: Board,
    start: Instant,
    totals_at: Option<Duration>,
    /// The last quarter printed per (pair, step).
    quarters: HashMap<(String, String), u8>,
    /// Hosts said unreachable, per pair: every later step on one says the same, so it is said once.
    unreachable: std::collections::HashSet<(String, String)>,
}

/// How often, at most, the plain output prints the totals per phase at fleet scale.
pub const TOTALS_EVERY: Duration = Duration::from_secs(30);

impl Plain {
    pub fn new() -> Self {
        let state = PlainState {
            board: Board::new(),
            start: Instant::now(),
            totals_at: None,
            quarters: HashMap::new(),
            unreachable: Default::default(),
        };
        Plain { state: Mutex::new(state) }
    }
}

impl Default for Plain {
    fn default() -> Self {
        Plain::new()
    }
}

impl PlainState {
    /// The lines an event prints, `at` this time since the run started.
    fn lines(&mut self, event: &Event, at: Duration) -> Vec<String> {
        self.board.apply(event, at);
        let fleet = self.board.pairs() > DETAIL_MAX;
        let mut lines = Vec::new();
        match event {
            Event::PairStarted { .. } if fleet => {}
            Event::StepFinished { status, .. } if fleet && *status == StepStatus::Ok => {}
            Event::StepFinished { status: StepStatus::Skipped { .. }, .. } if fleet => {}
            Event::StepFinished { pair, status: StepStatus::Unreachable { message }, .. }
                if !self.unreachable.insert((pair.clone(), message.clone())) => {}
            Event::Progress { pair, step, percent, detail } if !fleet => {
                let quarter = percent / 25;
                let last = self.quarters.entry((pair.clone(), step.clone())).or_insert(0);
                if quarter > *last {
                    *last = quarter;
                    lines.push(format!("{pair}: {step}: {percent}% {detail}").trim_end().to_string());
                }
            }
            _ => lines.extend(Plain::line(event)),
        }
        let due = self.totals_at.is_none_or(|t| at >= t + TOTALS_EVERY);
        let wave_end = matches!(event, Event::WaveFinished { .. });
        if fleet && (wave_end || (due && matches!(event, Event::PairFinished { .. }))) {
            self.totals_at = Some(at);
            lines.extend(self.board.totals(at).into_iter().map(|t| format!("totals: {t}")));
        }
        lines
    }
}

impl Plain {
    fn line(event: &Event) -> Option<String> {
        Some(match event {
            Event::RunStarted { run_id, run_dir, role, phases, pairs, waves, check_mode } => format!(
                "run {run_id}: role {role}, phases {}, {pairs} pairs in {waves} waves{}; run directory: {run_dir}",
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
                        let m = m.replace('\n', "; ");
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
            Event::JournalNotWritten { pair, message } => format!("{pair}: JOURNAL NOT WRITTEN: {message}"),
            Event::ManualIgnored { .. } => ignored(event)?,
            _ => return None,
        })
    }
}

impl Reporter for Plain {
    fn event(&self, event: &Event) {
        let mut state = self.state.lock().expect("plain");
        let at = state.start.elapsed();
        let lines = state.lines(event, at);
        let mut out = std::io::stderr().lock();
        for line in lines {
            let _ = writeln!(out, "{} {line}", crate::time::clock(SystemTime::now()));
        }
    }
}

/// Progress bars: one for the whole run, above it the board's lines (`board/view.rs`): each pair
/// in flight and each of its running transfers on a line of its own, or at fleet scale the totals
/// per phase and the pairs running longest. Finished pairs are printed above the bars as one
/// block each (at fleet scale only those that need attention: the summary counts the rest).
pub struct Bars {
    multi: MultiProgress,
    total: ProgressBar,
    state: Mutex<BarsState>,
}

struct BarsState {
    board: Board,
    start: Instant,
    lines: Vec<ProgressBar>,
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
        let state = BarsState { board: Board::new(), start: Instant::now(), lines: Vec::new() };
        Bars { multi, total, state: Mutex::new(state) }
    }

    /// Shows the board's lines, adding or removing bars so there is one per line.
    fn redraw(&self, state: &mut BarsState) {
        // The total bar, and a line of slack for the cursor.
        let rows = terminal_rows().saturating_sub(2);
        let lines = state.board.lines(state.start.elapsed(), rows);
        while state.lines.len() < lines.len() {
            let bar = self.multi.insert_before(&self.total, ProgressBar::new_spinner());
            bar.set_style(ProgressStyle::with_template("  {wide_msg}").expect("valid template"));
            state.lines.push(bar);
        }
        while state.lines.len() > lines.len() {
            if let Some(bar) = state.lines.pop() {
                bar.finish_and_clear();
                self.multi.remove(&bar);
            }
        }
        for (bar, line) in state.lines.iter().zip(lines) {
            bar.set_message(line);
        }
    }

    fn finished_block(&self, event: &Event, fleet: bool) {
        let Event::PairFinished { pair, status, failed_step, message, secs } = event else { return };
        self.total.inc(1);
        if fleet && *status == PairStatus::Ok {
            return;
        }
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
}

impl Reporter for Bars {
    fn event(&self, event: &Event) {
        // Step output goes to the logs: it changes nothing on the board.
        if matches!(event, Event::Output { .. }) {
            return;
        }
        let mut state = self.state.lock().expect("bars");
        let at = state.start.elapsed();
        state.board.apply(event, at);
        // The bars first: a block printed above them redraws them, with this event in.
        self.redraw(&mut state);
        match event {
            // Where the run is recorded, above the bars for the whole run.
            Event::RunStarted { run_dir, .. } => {
                let _ = self.multi.println(format!("Run directory: {run_dir}"));
            }
            Event::WaveStarted { wave, .. } => self.total.set_message(wave.clone()),
            Event::Notice { message } => {
                let _ = self.multi.println(message);
            }
            Event::JournalNotWritten { pair, message } => {
                let _ = self.multi.println(format!("{pair}: JOURNAL NOT WRITTEN: {message}"));
            }
            Event::ManualIgnored { .. } => {
                let _ = self.multi.println(ignored(event).unwrap_or_default());
            }
            Event::PairFinished { .. } => self.finished_block(event, state.board.pairs() > DETAIL_MAX),
            _ => {}
        }
    }

    fn finish(&self) {
        for bar in self.state.lock().expect("bars").lines.drain(..) {
            bar.finish_and_clear();
        }
        self.total.finish_and_clear();
        let _ = self.multi.clear();
    }
}

/// What the console says of `BMFLEET-MANUAL:` lines from a step that does not declare them.
fn ignored(event: &Event) -> Option<String> {
    let Event::ManualIgnored { pair, step, host, lines } = event else { return None };
    Some(format!(
        "{pair}: {step} on {host}: {lines} BMFLEET-MANUAL line(s) ignored: the role does not declare the step \
         `manual_actions: true` (see the log)"
    ))
}

/// Rows of the terminal on stderr (24 when it cannot tell).
fn terminal_rows() -> usize {
    let mut size = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCGWINSZ writes one winsize into the struct we pass; fd 2 may be anything, and
    // the call fails harmlessly when it is no terminal.
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    if ok && size.ws_row > 0 { usize::from(size.ws_row) } else { 24 }
}

#[cfg(test)]
mod tests;

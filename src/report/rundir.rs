//! The run directory, `runs/<run-id>/`: a timestamped log per pair (every step's stdout and
//! stderr), `summary.json`, `summary.txt`, and `failed.txt`, which `--limit @runs/<id>/failed.txt`
//! reads to retry exactly the pairs that did not succeed.
//!
//! `runs/` sits beside the inventory, as the journal's `.bmfleet/` does ([`runs_dir`]): a
//! campaign's state is in one place, and `report -i INV` finds the runs of INV from whatever
//! directory it is started in. `--runs-dir` moves it.
//!
//! Run directories are 0700 and their files 0600: logs hold what steps print, which may be
//! more than the masker knows to hide.
//!
//! What a step prints is bounded in its log, whatever the host prints: a wrapped `pg_dump`
//! printing forever, or a compromised origin, must not fill the controller's disk, where every
//! pair's journal and log live. Each attempt of a step keeps its first `STEP_LOG_HEAD` bytes of
//! lines (written as they come) and its last `STEP_LOG_TAIL` bytes (held in memory until the
//! attempt ends, then written after a line counting what was dropped between them). The tail is
//! smaller than the head because it waits in memory: up to `--forks` pairs times their parallel
//! steps at once.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use super::summary::render_text;
use crate::fsutil::write_atomic;
use crate::outcome::RunReport;
use crate::outcome::{Event, Reporter};
use crate::role::journal::JournalSpec;

/// Bytes of one step attempt's output lines written to the pair's log as they come.
pub const STEP_LOG_HEAD: usize = 1 << 20;
/// Bytes of one step attempt's last output lines, written when the attempt ends.
pub const STEP_LOG_TAIL: usize = 256 << 10;

/// Where a campaign's run directories are: `--runs-dir` as given (relative to the current
/// directory, as any path typed on a command line), else `runs/` beside the inventory, next to
/// its `.bmfleet/` (`journal::default_dir`).
pub fn runs_dir(explicit: Option<&Path>, inventory: &Path) -> PathBuf {
    match explicit {
        Some(dir) => dir.to_path_buf(),
        None => inventory.parent().unwrap_or(Path::new(".")).join("runs"),
    }
}

pub struct RunDir {
    dir: PathBuf,
    logs: Mutex<HashMap<String, BufWriter<File>>>,
    /// The output of each step attempt running, by (pair, step).
    steps: Mutex<HashMap<(String, String), StepLog>>,
    head_cap: usize,
    tail_cap: usize,
}

/// One step attempt's output in the log: its head written, its tail held, the middle counted.
#[derive(Default)]
struct StepLog {
    head_bytes: usize,
    /// Timestamped lines, to be written when the attempt ends.
    tail: VecDeque<String>,
    tail_bytes: usize,
    dropped_lines: u64,
    dropped_bytes: u64,
}

impl StepLog {
    /// Where a line goes: `Some(line)` to write now (the head), else kept in the tail.
    fn push(&mut self, line: String, head_cap: usize, tail_cap: usize) -> Option<String> {
        if self.tail.is_empty() && self.head_bytes + line.len() <= head_cap {
            self.head_bytes += line.len();
            return Some(line);
        }
        self.tail_bytes += line.len();
        self.tail.push_back(line);
        while self.tail_bytes > tail_cap {
            let old = self.tail.pop_front().expect("over the cap, so not empty");
            self.tail_bytes -= old.len();
            self.dropped_lines += 1;
            self.dropped_bytes += old.len() as u64;
        }
        None
    }

    /// What is left to write when the attempt ends: the count of dropped lines, then the tail.
    fn end(self, head_cap: usize, tail_cap: usize) -> Vec<String> {
        let mut lines = Vec::new();
        if self.dropped_lines > 0 {
            lines.push(format!(
                "{} [... {} lines ({} bytes) of this step's output dropped by bmfleet: the log keeps the first {} and \
                 the last {} of each attempt ...]",
                crate::time::rfc3339(SystemTime::now()),
                self.dropped_lines,
                self.dropped_bytes,
                crate::report::summary::human_bytes(head_cap as u64),
                crate::report::summary::human_bytes(tail_cap as u64),
            ));
        }
        lines.extend(self.tail);
        lines
    }
}

impl RunDir {
    pub fn create(base: &Path, run_id: &str) -> std::io::Result<Self> {
        let dir = base.join(run_id);
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir)?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        Ok(RunDir {
            dir,
            logs: Mutex::new(HashMap::new()),
            steps: Mutex::new(HashMap::new()),
            head_cap: STEP_LOG_HEAD,
            tail_cap: STEP_LOG_TAIL,
        })
    }

    /// The same, with other bounds of a step's log (tests).
    #[cfg(test)]
    fn with_step_caps(mut self, head: usize, tail: usize) -> Self {
        (self.head_cap, self.tail_cap) = (head, tail);
        self
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn log(&self, pair: &str, line: &str) {
        self.write(pair, &[format!("{} {line}", crate::time::rfc3339(SystemTime::now()))]);
    }

    /// Write timestamped lines to the pair's log.
    fn write(&self, pair: &str, lines: &[String]) {
        let mut logs = self.logs.lock().expect("logs");
        let writer = logs.entry(pair.to_string()).or_insert_with(|| {
            let file = File::options()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(self.dir.join(format!("{pair}.log")));
            BufWriter::new(file.unwrap_or_else(|_| File::create("/dev/null").expect("/dev/null")))
        });
        for line in lines {
            let _ = writeln!(writer, "{line}");
        }
    }

    /// A line of a step's output: in its head, its tail, or counted as dropped.
    fn step_output(&self, pair: &str, step: &str, line: &str) {
        let line = format!("{} {line}", crate::time::rfc3339(SystemTime::now()));
        let now = {
            let mut steps = self.steps.lock().expect("steps");
            let log = steps.entry((pair.to_string(), step.to_string())).or_default();
            log.push(line, self.head_cap, self.tail_cap)
        };
        if let Some(line) = now {
            self.write(pair, &[line]);
        }
    }

    /// A step attempt ended (or the run did): its tail goes to the log.
    fn step_ended(&self, pair: &str, step: &str) {
        let log = self.steps.lock().expect("steps").remove(&(pair.to_string(), step.to_string()));
        if let Some(log) = log {
            self.write(pair, &log.end(self.head_cap, self.tail_cap));
        }
    }

    /// Write the summary files. Called once, at the end. `spec`: the role's `journal:`, for the
    /// downtime of the text summary.
    pub fn write_summary(&self, report: &RunReport, spec: &JournalSpec) -> std::io::Result<()> {
        self.flush();
        let json = serde_json::to_string_pretty(&super::json_event::summary_to_json(report))
            .expect("reports serialize");
        write_atomic(&self.dir.join("summary.json"), json.as_bytes())?;
        write_atomic(&self.dir.join("summary.txt"), render_text(report, spec).as_bytes())?;
        let mut failed = report.retry_names().join("\n");
        if !failed.is_empty() {
            failed.push('\n');
        }
        write_atomic(&self.dir.join("failed.txt"), failed.as_bytes())
    }

    fn flush(&self) {
        let ended: Vec<(String, String)> = self.steps.lock().expect("steps").keys().cloned().collect();
        for (pair, step) in ended {
            self.step_ended(&pair, &step);
        }
        for writer in self.logs.lock().expect("logs").values_mut() {
            let _ = writer.flush();
        }
    }
}

impl Reporter for RunDir {
    fn event(&self, event: &Event) {
        match event {
            Event::PairStarted { pair } => self.log(pair, "pair started"),
            Event::StepStarted { pair, phase, step, host, attempt } => {
                self.step_ended(pair, step);
                self.log(pair, &format!("== {phase}/{step} on {host} (attempt {attempt})"))
            }
            Event::Output { pair, step, stream, line, .. } => {
                let tag = match stream {
                    crate::outcome::Stream::Stdout => "out",
                    crate::outcome::Stream::Stderr => "err",
                };
                self.step_output(pair, step, &format!("[{step}] {tag}| {line}"));
            }
            Event::StepFinished { pair, phase, step, secs, status, .. } => {
                self.step_ended(pair, step);
                self.log(pair, &format!("== {phase}/{step}: {} ({secs:.1}s)", status.describe()))
            }
            Event::ManualIgnored { pair, step, host, lines } => self.log(
                pair,
                &format!(
                    "== {step} on {host}: {lines} BMFLEET-MANUAL line(s) above ignored: the role does not declare \
                     the step `manual_actions: true` (output, no action)"
                ),
            ),
            Event::JournalNotWritten { pair, message } => {
                self.log(pair, &format!("JOURNAL NOT WRITTEN: {message}"))
            }
            Event::PhaseFinished { pair, phase, ok } => {
                self.log(pair, &format!("phase {phase} {}", if *ok { "completed" } else { "failed" }))
            }
            Event::PairFinished { pair, status, message, .. } => {
                self.log(
                    pair,
                    &format!(
                        "pair {}{}",
                        status.as_str(),
                        message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
                    ),
                );
                if let Some(writer) = self.logs.lock().expect("logs").get_mut(pair) {
                    let _ = writer.flush();
                }
            }
            _ => {}
        }
    }

    fn finish(&self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::{StepStatus, Stream};

    fn started(pair: &str, step: &str, attempt: u32) -> Event {
        Event::StepStarted {
            pair: pair.into(),
            phase: "p".into(),
            step: step.into(),
            host: "h".into(),
            attempt,
        }
    }

    fn output(pair: &str, step: &str, line: String) -> Event {
        Event::Output { pair: pair.into(), step: step.into(), host: "h".into(), stream: Stream::Stdout, line }
    }

    fn finished(pair: &str, step: &str, attempt: u32) -> Event {
        Event::StepFinished {
            pair: pair.into(),
            phase: "p".into(),
            step: step.into(),
            host: "h".into(),
            attempt,
            secs: 1.0,
            status: StepStatus::Ok,
        }
    }

    /// A step printing forever (a wrapped pg_dump) fills the log no further than its caps.
    #[test]
    fn a_step_that_prints_forever_fills_the_log_up_to_its_head_and_tail() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::create(dir.path(), "r").unwrap();
        let line = "x".repeat(1000);
        run.event(&started("acme", "dump", 1));
        for i in 0..10_000 {
            run.event(&output("acme", "dump", format!("{i:05} {line}")));
        }
        run.event(&finished("acme", "dump", 1));
        run.finish();
        let log = std::fs::read_to_string(dir.path().join("r/acme.log")).unwrap();
        assert!(log.len() < STEP_LOG_HEAD + STEP_LOG_TAIL + 64 * 1024, "{} bytes", log.len());
        assert!(log.contains("[dump] out| 00000 ") && log.contains("[dump] out| 09999 "), "head and tail");
        assert!(log.contains("of this step's output dropped by bmfleet"));
        assert!(log.trim_end().ends_with("== p/dump: ok (1.0s)"), "the tail before the step's end");
    }

    /// Each attempt of each step has its own bounds; parallel steps of a pair keep theirs apart.
    #[test]
    fn each_step_attempt_keeps_its_head_and_tail_and_counts_what_it_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::create(dir.path(), "r").unwrap().with_step_caps(100, 100);
        // 50 bytes logged: timestamp, `[a] out| `, the line; two lines fit in each end.
        let line = |step: &str, i: u32| format!("{step} line {i:02} ......");
        run.event(&started("acme", "a", 1));
        run.event(&started("acme", "b", 1));
        for i in 0..10 {
            run.event(&output("acme", "a", line("a", i)));
            run.event(&output("acme", "b", line("b", i)));
        }
        run.event(&finished("acme", "a", 1));
        run.event(&started("acme", "a", 2));
        run.event(&output("acme", "a", line("a", 99)));
        run.event(&finished("acme", "a", 2));
        run.finish();
        let log = std::fs::read_to_string(dir.path().join("r/acme.log")).unwrap();
        let kept: Vec<&str> = log.lines().filter_map(|l| l.split_once("| ").map(|(_, t)| t)).collect();
        assert_eq!(
            kept,
            [
                "a line 00 ......",
                "b line 00 ......",
                "a line 01 ......",
                "b line 01 ......",
                "a line 08 ......",
                "a line 09 ......",
                "a line 99 ......",
                "b line 08 ......",
                "b line 09 ......"
            ],
            "{log}"
        );
        let dropped: Vec<&str> = log.lines().filter(|l| l.contains("dropped by bmfleet")).collect();
        assert_eq!(dropped.len(), 2, "{log}");
        assert!(dropped[0].contains("[... 6 lines (300 bytes)"), "{}", dropped[0]);
    }
}

//! The run directory, `runs/<run-id>/`: a timestamped log per pair (every step's stdout and
//! stderr), `summary.json`, `summary.txt`, and `failed.txt`, which `--limit @runs/<id>/failed.txt`
//! reads to retry exactly the pairs that did not succeed.
//!
//! Run directories are 0700 and their files 0600: logs hold what steps print, which may be
//! more than the masker knows to hide.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use super::events::{Event, Reporter};
use super::summary::{RunReport, render_text};
use crate::fsutil::write_atomic;
use crate::role::journal::JournalSpec;

pub struct RunDir {
    dir: PathBuf,
    logs: Mutex<HashMap<String, BufWriter<File>>>,
}

impl RunDir {
    pub fn create(base: &Path, run_id: &str) -> std::io::Result<Self> {
        let dir = base.join(run_id);
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(&dir)?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        Ok(RunDir { dir, logs: Mutex::new(HashMap::new()) })
    }

    pub fn path(&self) -> &Path {
        &self.dir
    }

    fn log(&self, pair: &str, line: &str) {
        let mut logs = self.logs.lock().expect("logs");
        let writer = logs.entry(pair.to_string()).or_insert_with(|| {
            let file = File::options()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(self.dir.join(format!("{pair}.log")));
            BufWriter::new(file.unwrap_or_else(|_| File::create("/dev/null").expect("/dev/null")))
        });
        let _ = writeln!(writer, "{} {line}", crate::time::rfc3339(SystemTime::now()));
    }

    /// Write the summary files. Called once, at the end. `spec`: the role's `journal:`, for the
    /// downtime of the text summary.
    pub fn write_summary(&self, report: &RunReport, spec: &JournalSpec) -> std::io::Result<()> {
        self.flush();
        let json = serde_json::to_string_pretty(report).expect("reports serialize");
        write_atomic(&self.dir.join("summary.json"), json.as_bytes())?;
        write_atomic(&self.dir.join("summary.txt"), render_text(report, spec).as_bytes())?;
        let mut failed = report.retry_names().join("\n");
        if !failed.is_empty() {
            failed.push('\n');
        }
        write_atomic(&self.dir.join("failed.txt"), failed.as_bytes())
    }

    fn flush(&self) {
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
                self.log(pair, &format!("== {phase}/{step} on {host} (attempt {attempt})"))
            }
            Event::Output { pair, step, stream, line, .. } => {
                let tag = match stream {
                    super::events::Stream::Stdout => "out",
                    super::events::Stream::Stderr => "err",
                };
                self.log(pair, &format!("[{step}] {tag}| {line}"));
            }
            Event::StepFinished { pair, phase, step, secs, status, .. } => {
                self.log(pair, &format!("== {phase}/{step}: {} ({secs:.1}s)", status.describe()))
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

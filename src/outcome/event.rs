//! Events of a run: what the executor tells the outside world while it works. The console (bars,
//! plain lines or JSON lines) and the run directory (logs per pair) are both fed from these
//! (`report/`), the tests' recorders too. Every text field is already masked when the event is
//! made.

use serde::Serialize;

use super::{PairStatus, StepStatus};

/// Which of a step's output streams a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One thing that happened in a run, said as it happened (JSON lines print it as is).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        run_id: String,
        /// The run's directory (logs, summary.json): said first, so that a reader of the
        /// console, or of JSON lines, knows where the run is recorded before it ends.
        run_dir: String,
        role: String,
        phases: Vec<String>,
        pairs: usize,
        waves: usize,
        check_mode: bool,
    },
    WaveStarted {
        wave: String,
        pairs: Vec<String>,
    },
    PairStarted {
        pair: String,
    },
    StepStarted {
        pair: String,
        phase: String,
        step: String,
        host: String,
        attempt: u32,
    },
    Output {
        pair: String,
        step: String,
        host: String,
        stream: Stream,
        line: String,
    },
    Progress {
        pair: String,
        step: String,
        percent: u8,
        detail: String,
    },
    StepFinished {
        pair: String,
        phase: String,
        step: String,
        host: String,
        attempt: u32,
        secs: f64,
        #[serde(flatten)]
        status: StepStatus,
    },
    PhaseFinished {
        pair: String,
        phase: String,
        ok: bool,
    },
    PairFinished {
        pair: String,
        status: PairStatus,
        failed_step: Option<String>,
        message: Option<String>,
        secs: f64,
    },
    WaveFinished {
        wave: String,
        ok: usize,
        failed: usize,
        unreachable: usize,
        stopped_later_waves: Option<String>,
    },
    Notice {
        message: String,
    },
    /// A step printed `BMFLEET-MANUAL:` lines without declaring `manual_actions`: they stayed
    /// output (in the log), no action for the operator.
    ManualIgnored {
        pair: String,
        /// `phase/step`.
        step: String,
        host: String,
        lines: usize,
    },
    /// The journal could not record something about the pair (a phase completed, its point of
    /// no return...): said at once, in the summary, and in the exit code.
    JournalNotWritten {
        pair: String,
        message: String,
    },
    RunFinished {
        ok: usize,
        warning: usize,
        failed: usize,
        unreachable: usize,
        other: usize,
        secs: f64,
        exit_code: u8,
    },
}

/// Something that wants to hear about a run. Implementations lock internally: events arrive
/// from every pair's task.
pub trait Reporter: Send + Sync {
    fn event(&self, event: &Event);
    /// Called once at the end, after `RunFinished`: flush, clear bars.
    fn finish(&self) {}
}

/// Several reporters as one.
pub struct Fanout(pub Vec<Box<dyn Reporter>>);

impl Reporter for Fanout {
    fn event(&self, event: &Event) {
        for r in &self.0 {
            r.event(event);
        }
    }

    fn finish(&self) {
        for r in &self.0 {
            r.finish();
        }
    }
}

//! Events of a run: what the executor tells the outside world while it works. The console (bars,
//! plain lines or JSON lines) and the run directory (logs per pair) are both fed from these.
//! Every text field is already masked when the event is made.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// How one attempt of one step ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum StepStatus {
    Ok,
    /// An exit code the step declares a warning (rsync's 24, say).
    Warning {
        code: i32,
    },
    Failed {
        code: i32,
    },
    /// The remote command was killed by a signal.
    Signal {
        signal: String,
    },
    /// The step outlived its timeout and was stopped on the host.
    TimedOut {
        secs: u64,
    },
    /// The connection went away before the step reported an exit status.
    ConnectionLost {
        message: String,
    },
    /// The host could not be reached (connection, host key or authentication refused).
    Unreachable {
        message: String,
    },
    /// The host answered but refused to run steps as asked (sudo wants a password...).
    Refused {
        message: String,
    },
    /// An assertion of the step was false.
    AssertFailed {
        message: String,
    },
    /// Stopped by Ctrl-C or a failure policy.
    Interrupted,
    /// Not run: its condition was false, or check mode.
    Skipped {
        reason: String,
    },
}

impl StepStatus {
    pub fn is_success(&self) -> bool {
        matches!(self, StepStatus::Ok | StepStatus::Warning { .. } | StepStatus::Skipped { .. })
    }

    pub fn is_unreachable(&self) -> bool {
        matches!(self, StepStatus::ConnectionLost { .. } | StepStatus::Unreachable { .. })
    }

    /// A short human description: `ok`, `warning (exit 24)`, `failed (exit 1)`...
    pub fn describe(&self) -> String {
        match self {
            StepStatus::Ok => "ok".into(),
            StepStatus::Warning { code } => format!("warning (exit {code})"),
            StepStatus::Failed { code } => format!("failed (exit {code})"),
            StepStatus::Signal { signal } => format!("killed by signal {signal}"),
            StepStatus::TimedOut { secs } => format!("timed out after {secs} s"),
            StepStatus::ConnectionLost { message } => format!("connection lost: {message}"),
            StepStatus::Unreachable { message } => format!("unreachable: {message}"),
            StepStatus::Refused { message } => format!("refused: {message}"),
            StepStatus::AssertFailed { message } => format!("assertion failed: {message}"),
            StepStatus::Interrupted => "interrupted".into(),
            StepStatus::Skipped { reason } => format!("skipped ({reason})"),
        }
    }
}

/// How a pair's run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PairStatus {
    Ok,
    /// Every step succeeded, some with a warning code.
    Warning,
    Failed,
    Unreachable,
    /// Another run holds the pair's lock.
    Busy,
    /// A phase the run needs has not completed for the pair (see `requires:`).
    Blocked,
    /// Stopped part-way: Ctrl-C, a deadline, or `--any-errors-fatal` after another pair failed.
    Stopped,
    /// Never started: an earlier wave failed too much, or the run was interrupted.
    NotRun,
}

impl PairStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PairStatus::Ok => "ok",
            PairStatus::Warning => "warning",
            PairStatus::Failed => "failed",
            PairStatus::Unreachable => "unreachable",
            PairStatus::Busy => "skipped (busy)",
            PairStatus::Blocked => "blocked",
            PairStatus::Stopped => "stopped",
            PairStatus::NotRun => "not run",
        }
    }

    pub fn succeeded(self) -> bool {
        matches!(self, PairStatus::Ok | PairStatus::Warning)
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    RunStarted {
        run_id: String,
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

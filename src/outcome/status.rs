//! How a step and a pair ended: the two verdicts every other part of a run's outcome is built
//! from (events, reports, the journal's last status, the exit code).

use serde::Serialize;

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

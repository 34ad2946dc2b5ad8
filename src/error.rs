//! The one error type of bmfleet. Each variant is an *expected* way for a run to end badly, and
//! each has its own exit code, so scripts (and the nightly scheduler) can tell "you wrote the
//! inventory wrong" from "a tenant's server is down".

use std::path::PathBuf;

use crate::diag::Diagnostics;

/// Exit codes, documented in docs/commands.md ("Exit codes"). Keep them stable: operators script against them.
pub mod exit {
    pub const OK: u8 = 0;
    pub const INTERNAL: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const PAIRS_FAILED: u8 = 3;
    pub const UNREACHABLE: u8 = 4;
    pub const BUSY: u8 = 5;
    pub const DEADLINE: u8 = 6;
    pub const INTERRUPTED: u8 = 130;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The inventory, a role, a template or a pattern is wrong. Nothing has connected anywhere.
    #[error("{0}")]
    BadInput(Diagnostics),

    /// A file we must read could not be read.
    #[error("error: cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The run went through, but some pairs failed (their hosts answered).
    #[error("error: {failed} of {total} pairs failed (see the summary above)")]
    PairsFailed { failed: usize, total: usize },

    /// Some hosts could not be reached at all (and no pair failed for another reason).
    #[error("error: {unreachable} of {total} pairs had an unreachable host (see the summary above)")]
    Unreachable { unreachable: usize, total: usize },

    /// Another run holds the lock we need.
    #[error("error: {0}")]
    Busy(String),

    /// `--until` was reached before every pair finished (the next run resumes them).
    #[error("error: {0}")]
    Deadline(String),

    /// The operator pressed Ctrl-C (or the run was sent SIGINT/SIGTERM).
    #[error("error: interrupted; the summary above shows what finished")]
    Interrupted,

    /// The operator declined a confirmation prompt.
    #[error("error: {0}")]
    Declined(String),

    /// Anything else that stops bmfleet itself (cannot write the run directory, ...).
    #[error("error: {0}")]
    Internal(String),
}

impl Error {
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::BadInput(_) | Error::Read { .. } | Error::Declined(_) => exit::BAD_INPUT,
            Error::PairsFailed { .. } => exit::PAIRS_FAILED,
            Error::Unreachable { .. } => exit::UNREACHABLE,
            Error::Busy(_) => exit::BUSY,
            Error::Deadline(_) => exit::DEADLINE,
            Error::Interrupted => exit::INTERRUPTED,
            Error::Internal(_) => exit::INTERNAL,
        }
    }

    /// A single bad-input diagnostic.
    pub fn input(diag: crate::diag::Diagnostic) -> Self {
        Error::BadInput(Diagnostics(vec![diag]))
    }

    /// A bad-input error without a location (a command-line flag, say).
    pub fn usage(message: impl Into<String>) -> Self {
        Error::input(crate::diag::Diagnostic::new(message))
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        Error::Internal(message.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

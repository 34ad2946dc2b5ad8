//! bmfleet migrates fleets of BlueMind mail servers, origin -> target, agentlessly over SSH.
//!
//! The data flow is the module layout:
//!
//! ```text
//! inventory (YAML) --load--> Inventory --pattern::select(--limit)--> pairs
//!   --plan::build(role, phases)--> Plan (waves of pairs of rendered steps)
//!   --exec--> events --> report (progress, logs, JSON, summary) and journal
//! ```
//!
//! Everything BlueMind-specific lives in `roles/bluemind/` as data and templates; the engine
//! only knows pairs, phases and steps.

pub mod cli;
pub mod commands;
pub mod diag;
pub mod error;
pub mod exec;
pub mod inventory;
pub mod journal;
pub mod pattern;
pub mod plan;
pub mod report;
pub mod role;
pub mod secrets;
pub mod ssh;
pub mod suggest;
pub mod time;
pub mod tty;

use std::process::ExitCode;

use clap::Parser;

pub use error::{Error, Result};

/// Parse the command line and run the command. Errors carry their exit code.
pub fn run() -> Result<ExitCode> {
    let cli = cli::Cli::parse();
    commands::dispatch(cli)
}

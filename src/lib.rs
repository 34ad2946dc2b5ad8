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
    raise_open_files_limit();
    commands::dispatch(cli)
}

/// Hundreds of hosts at once mean hundreds of sockets: lift the soft limit on open files to the
/// hard one, as any long-running network daemon does.
fn raise_open_files_limit() {
    // SAFETY: getrlimit/setrlimit on our own process with a properly initialised struct.
    unsafe {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

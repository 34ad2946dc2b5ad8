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
//!
//! The executor (`exec`) runs attempts through one seam, `exec::host::Host` (start a script,
//! read its output and exit, heartbeat it, stop it): the SSH connection and the controller
//! implement it, and `exec/tests.rs` drives whole plans on scripted fake hosts, so the run's
//! rules are unit tests. A pair's bookkeeping (checks table, records, transfers, the stop
//! decision) is the pure `exec::ledger`.
//!
//! Where a newcomer adds things:
//! - a step key: `role/schema.rs` (`RawStep`, what role.yml says), `role/mod.rs` (`Step`, and
//!   its `Default`, which `Step::adhoc` and tests build on) and `role/load.rs` (`step()`:
//!   validate, with its location); then where it acts (`exec/pair.rs` to run, `exec/ledger.rs`
//!   to report, `plan/` to render), with a test in `exec/tests.rs` on a fake host;
//! - a CLI command: `cli.rs` (the clap `Command` variant and its args; a value with a grammar
//!   gets a parser and a type in `values.rs`, so the command receives it parsed), `commands/NAME.rs`,
//!   and its line in `commands/mod.rs`'s dispatch; a bad-value case in tests/cli.rs;
//! - a connection setting: `inventory/schema.rs` (the key), `inventory/endpoint.rs` (its
//!   precedence and source, into `Endpoint`), then `ssh/client.rs` (`Connection::open`, or
//!   `SshContext` for what all connections of a run share) where it is used; the exec layer
//!   sees hosts only through `exec::host`;
//! - something the journal keeps about a phase: the role declares it (`journal:` in role.yml,
//!   `role/journal.rs`), the engine asks `role.journal`, never a phase name.
//!
//! Shared helpers live once: durations and operator values in `values.rs`, atomic writes in
//! `fsutil.rs`, timestamps in `time.rs`.

pub(crate) mod cli;
pub(crate) mod commands;
pub(crate) mod diag;
pub(crate) mod error;
pub(crate) mod exec;
pub(crate) mod fsutil;
pub(crate) mod inventory;
pub(crate) mod journal;
pub(crate) mod outcome;
pub(crate) mod pattern;
pub(crate) mod plan;
pub(crate) mod report;
pub(crate) mod role;
pub(crate) mod secrets;
pub(crate) mod shell;
pub(crate) mod ssh;
pub(crate) mod suggest;
pub(crate) mod time;
pub(crate) mod tty;
pub(crate) mod values;

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

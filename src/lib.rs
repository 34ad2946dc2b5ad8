//! bmfleet migrates fleets of BlueMind mail servers, origin -> target, agentlessly over SSH.
//!
//! The data flow is the module layout:
//!
//! ```text
//! inventory (YAML) --load--> Inventory --pattern::select(--limit)--> pairs
//!   --plan::build(role, phases)--> Plan (waves of pairs of rendered steps)
//!   --exec--> outcome (events, reports) --> report (progress, logs, JSON, summary) and journal
//! ```
//!
//! Everything BlueMind-specific lives in `roles/bluemind/` as data and templates; the engine
//! only knows pairs, phases and steps.
//!
//! The executor (`exec`) runs attempts through one seam, `exec::host::Host` (start a script,
//! read its output and exit, heartbeat it, stop it): the SSH connection and the controller
//! implement it, and `exec/tests/` drives whole plans on scripted fake hosts, so the run's
//! rules are unit tests. A pair's bookkeeping (checks table, records, transfers, the stop
//! decision) is the pure `exec::ledger`; when it rolls back, the pure `exec::arming`. What a run
//! tells the world is data of its own, `outcome` (events, statuses, reports), which imports
//! nothing of the engine: the executor makes it, `report`, `journal` and `commands` read it.
//!
//! # Layers
//!
//! A module uses only the modules on its line or the lines above; on one line, only those to its
//! left. `layers_tests.rs` reads this block and every `crate::` path outside tests, and fails on
//! an arrow back up that is not one of the exceptions below (so a new module gets a place here).
//!
//! ```text
//! helpers:   time fsutil tty suggest shell secrets diag error values
//! outcome:   outcome
//! hosts:     ssh inventory
//! the role:  role pattern plan
//! the run:   exec journal report
//! commands:  cli commands
//! ```
//!
//! Arrows back up, each with why (a `` - `a -> b`: why `` line here): none. The connection owns
//! its settings (`ssh::settings`, and `ssh::Endpoint`, the values a connection opens with); the
//! inventory reads them from its layers and fills them in, so `inventory -> ssh` runs down.
//!
//! # Where a newcomer adds things
//!
//! - a step key: `role/schema.rs` (`RawStep`, what role.yml says, and its row in docs/roles.md's
//!   step-key table: a test there fails without it), `role/mod.rs` (`Step`, and its `Default`,
//!   which `Step::adhoc` and tests build on) and `role/load/step.rs` (`step()`: validate, with
//!   its location); then where it acts (`exec/pair/step.rs` to run, `exec/ledger.rs` to report,
//!   `plan/` to render), with a test in `exec/tests/` on a fake host;
//! - a CLI command (a built-in one: `plan`, `status`...; a phase of the role is not one, see
//!   below): `cli.rs` (the clap `Command` variant and its args; a value with a grammar gets a
//!   parser and a type in `values.rs`, so the command receives it parsed), `commands/NAME.rs`,
//!   and its line in `commands/mod.rs`'s dispatch; a bad-value case in tests/cli.rs. A phase of
//!   the same name is then shadowed by it (`commands/phase_cli.rs` lets the built-in win);
//! - a run setting (a flag of the commands that run steps): `cli.rs` (`RunFlags`, or the
//!   command's own args: `PhaseArgs` for every phase command and `migrate`),
//!   `commands/setup.rs` (`RunSetup`: what it means for this run, derived once and passed
//!   down), then `exec::RunOptions` (filled by `RunSetup::run_options`) when the executor needs
//!   it;
//! - a phase: the role alone, no Rust. `roles/bluemind/role.yml` (`phases:`, in the order
//!   `migrate` runs them, but the `standalone` ones: its steps and its keys, each in
//!   docs/phases.md's table, the role as a whole in docs/roles.md: `requires`/`resets`,
//!   `rollback`, `standalone`, `stops_services`, `needs_limit`, `confirm`, `read_only` (no lock
//!   on the targets), `precheck` (`--check` runs it first), `schedule` (may run unattended, and
//!   why), `flag_of` (run by another phase's command with a flag, as `trust --revoke`)) and its
//!   templates under `roles/bluemind/templates/PHASE/`; a sync the journal keeps is named in
//!   `journal:` (`role/journal.rs` checks it). Then `bmfleet PHASE -i INV` runs it (`commands/phase_cli.rs`
//!   makes the role's phases subcommands, listed in `--help`, and takes any other name as a
//!   phase of the role the run loads; tests/cli.rs
//!   `a_role_copy_with_one_more_phase_runs_it_by_its_name`), as do `bmfleet run bluemind PHASE`
//!   and `migrate`. A new phase key:
//!   `role/schema.rs` (`RawPhase`: an unknown key stays refused with its location),
//!   `role/mod.rs` (`Phase`, and what the engine asks of it: `Role::prechecks`,
//!   `Role::read_only`, `Role::phase_for_command`), `role/load.rs` (`phase()`, and a check of
//!   what it names), then the command that acts on it, and its line in docs/phases.md;
//! - a BlueMind version: the role decides it on each host at run time; the engine knows no
//!   version. `roles/bluemind/templates/lib/bm-version.sh` is the one place that decides it
//!   (`bmf_bm_version`, `bmf_bm_major`, `bmf_bm_layout`: `cyrus` for 4.x and before, `core` for
//!   5.x on); a template includes it and asks, never the presence of a file:
//!   `templates/lib/core-api.sh` (`bm_version_at_least MAJOR MINOR`, as `post/firewall.sh`,
//!   `post/keycloak.sh` and `post/mynetworks.sh` ask), `templates/lib/mailboxes.sh` (the mailbox
//!   census: Cyrus index headers or `bj-data` tables, by layout),
//!   `templates/preflight/same-packages.sh`. A new major version is a new case there (and in
//!   `bmf_bm_layout` if its layout differs); what a version lacks is skipped where it is read:
//!   `templates/lib/rsync-pull.sh` (a spool the origin does not have), `config_paths` in
//!   role.yml (both versions' files, the missing ones skipped); preflight's `same version`
//!   check refuses a pair whose origin and target bm-core differ;
//! - a connection setting: `ssh/settings.rs` (its line in `SETTINGS`: name, where it may be
//!   set, default, description, its row in `inventory list --pair`; docs/inventory.md's table
//!   of connection settings is that table, and a test there fails until the page is pasted),
//!   `ssh/endpoint.rs` (its field in `Endpoint`), `inventory/schema.rs` (its key in
//!   `RawEndpoint`, tested against `SETTINGS`), `inventory/endpoint.rs` (its precedence and
//!   source), then `ssh/client.rs` (`Connection::open`, or `SshContext` for what all
//!   connections of a run share) where it is used; the exec layer sees hosts only through
//!   `exec::host`;
//! - something the journal keeps about a phase: the role declares it (`journal:` in role.yml,
//!   `role/journal.rs`), the engine asks `role.journal`, never a phase name;
//! - something the customer reads in the report: `report/html/story.rs` (the first sentences of
//!   a pair's page, from the view's typed facts, never from a host's sentence; every kind of
//!   pair in `story_tests.rs`'s snapshot), the inventory's `report:` and `display_name` in
//!   `inventory/report.rs`; docs/report.md says what the page shows.
//!
//! Shared helpers live once: durations and operator values in `values.rs`, atomic writes in
//! `fsutil.rs`, timestamps in `time.rs` (a campaign's named time zone in `time/zone.rs`), shell
//! quoting in `shell.rs`.

pub(crate) mod cli;
pub(crate) mod commands;
pub(crate) mod diag;
#[cfg(test)]
mod docs_tests;
pub(crate) mod error;
pub(crate) mod exec;
pub(crate) mod fsutil;
pub(crate) mod inventory;
pub(crate) mod journal;
#[cfg(test)]
mod keys_tests;
#[cfg(test)]
mod layers_tests;
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

pub use error::{Error, Result};

/// Parse the command line and run the command. Errors carry their exit code.
pub fn run() -> Result<ExitCode> {
    let parsed = commands::parse();
    raise_open_files_limit();
    commands::dispatch(parsed)
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

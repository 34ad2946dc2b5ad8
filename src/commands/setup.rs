//! One run's settings, derived once from the command line before anything runs (ripgrep's
//! `LowArgs` -> `HiArgs`): clap's flags are what the operator typed, a [`RunSetup`] is what they
//! mean for this run. The plan, the executor's options, the journal's hooks, the locks and the
//! reporters all read it, so a setting (`--check`, `--unsafe-override-host-state`, `--until`,
//! the run id, which locks a run holds) is decided here once and passed down.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::cli::{PhaseArgs, RunFlags};
use crate::exec;
use crate::report::rundir::runs_dir;

pub struct RunSetup<'a> {
    /// How the run goes, as typed: forks, waves, failure policy, SSH trust, output.
    pub flags: &'a RunFlags,
    /// The run's id: its run directory, its journal entries, who holds its locks.
    pub run_id: String,
    /// Where the run's directory goes: `--runs-dir`, else `runs/` beside the inventory.
    pub runs_dir: PathBuf,
    /// `--check`: the read-only probes run; every other step is shown, not run.
    pub check: bool,
    /// Each pair's lock on its target, with who holds it (shown to whoever finds it busy):
    /// taken by a phase command that may change hosts; `None` for a check, `read_only` phases
    /// alone (the preflight), `run` and `exec`.
    pub target_lock: Option<String>,
    /// `--until`, as the moment it names.
    pub deadline: Option<SystemTime>,
    /// `--unsafe-override-host-state`: the pairs whose host-state checks are lifted (their role
    /// variable, the journal's refusal, the summary).
    pub overrides: Vec<String>,
}

impl<'a> RunSetup<'a> {
    /// `bmfleet run` and `bmfleet exec` of `inventory`: no journal, no lock, no deadline.
    pub fn plain(flags: &'a RunFlags, check: bool, inventory: &Path) -> Self {
        RunSetup {
            flags,
            run_id: crate::time::run_id(),
            runs_dir: runs_dir(flags.runs_dir.as_deref(), inventory),
            check,
            target_lock: None,
            deadline: None,
            overrides: Vec::new(),
        }
    }

    /// A phase command, or `migrate`; `read_only`: every phase it runs is (role.yml's
    /// `read_only:`), so it changes no host, as a check does.
    pub fn for_phases(args: &'a PhaseArgs, read_only: bool) -> Self {
        let run_id = crate::time::run_id();
        let changes_hosts = !(args.check || read_only);
        RunSetup {
            flags: &args.options,
            target_lock: changes_hosts.then(|| owner(&run_id)),
            run_id,
            runs_dir: runs_dir(args.options.runs_dir.as_deref(), &args.selection.inventory),
            check: args.check,
            deadline: args.until.as_ref().map(|u| u.deadline(SystemTime::now())),
            overrides: args.unsafe_override_host_state.clone(),
        }
    }

    /// Whether the run holds the state directory's controller lock: every run that keeps the
    /// journal, but a check (which changes nothing).
    pub fn locks_controller(&self) -> bool {
        !self.check
    }

    /// What the executor is told.
    pub fn run_options(&self) -> exec::RunOptions {
        exec::RunOptions {
            run_id: self.run_id.clone(),
            run_dir: self.runs_dir.join(&self.run_id).display().to_string(),
            forks: self.flags.forks,
            max_fail_percent: self.flags.max_fail_percent,
            any_errors_fatal: self.flags.any_errors_fatal,
            grace: Duration::from_secs(self.flags.grace),
            handle_signals: true,
            deadline: self.deadline,
            target_lock: self.target_lock.clone(),
            overrides: self.overrides.clone(),
        }
    }
}

/// Who holds a pair's lock, as shown to whoever finds it busy.
fn owner(run_id: &str) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| format!("uid {}", unsafe { libc::getuid() }));
    format!(
        "run {run_id} by {user}@{} (pid {}) since {}",
        host.trim(),
        std::process::id(),
        crate::time::rfc3339(SystemTime::now())
    )
}

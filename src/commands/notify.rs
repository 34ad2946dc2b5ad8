//! `--notify CMD`: a run nobody watches (a nightly hot sync) tells someone when it failed, or
//! when a selected pair's last good sync is older than `--stale-after`. CMD runs with `sh -c`,
//! the run's notice (JSON, docs/json.md) on its stdin. Its own failure is reported on stderr and
//! changes nothing else: the run's exit code stays the run's.
//!
//! Nothing secret reaches CMD: the notice holds the run's summary, whose texts are masked as
//! summary.json's are, and the environment variables holding sudo passwords
//! (`become_password_env`) are removed from CMD's environment.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use crate::cli::PhaseArgs;
use crate::error::{Result, exit};
use crate::journal::{Journal, default_dir};
use crate::outcome::RunReport;
use crate::report::rundir::runs_dir;
use crate::time::{epoch_secs, rfc3339};

/// The notice's shape; raised when a key changes meaning or goes away.
pub const NOTICE_FORMAT: u32 = 1;
/// How long CMD may take before it is killed: a hung mailer must not hold the next night's run.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What CMD reads on stdin.
#[derive(Debug, Serialize)]
pub struct Notice<'a> {
    pub format: u32,
    /// When the notice was made, RFC 3339 (UTC).
    pub at: String,
    /// Why CMD runs: `failed` (the run's exit code is not 0 nor 6, the --until deadline), `stale`.
    pub reasons: Vec<&'static str>,
    /// The phases the run ran (`hot-sync`, `preflight`...).
    pub phases: &'a [String],
    /// The inventory, as given on the command line.
    pub inventory: String,
    pub exit_code: u8,
    /// The error that ended the run, when it ended before or beside its pairs' results.
    pub error: Option<String>,
    /// The run's directory (logs, summary.json), when the run started.
    pub run_dir: Option<String>,
    /// Selected pairs whose last good sync is older than --stale-after (or that never had one).
    pub stale: Vec<StalePair>,
    /// The run's summary.json (its typed JSON, report/json_event.rs), when the run started.
    pub summary: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct StalePair {
    pub pair: String,
    /// Seconds since its last good sync; null when it never had one.
    pub last_sync_age_secs: Option<f64>,
}

/// After a run: tell CMD when there is something to tell. `ran` is the run's result (a report,
/// nothing when no pair had anything to do, or the error that stopped it).
pub fn after_run(args: &PhaseArgs, phases: &[String], ran: &Result<Option<RunReport>>) {
    let Some(command) = &args.notify else { return };
    let (exit_code, error, summary) = match ran {
        Ok(Some(report)) => (report.exit_code(), None, Some(report)),
        Ok(None) => (exit::OK, None, None),
        Err(e) => (e.exit_code(), Some(e.to_string()), None),
    };
    let (stale, secret_env) = stale_pairs(args);
    let mut reasons = Vec::new();
    if exit_code != exit::OK && exit_code != exit::DEADLINE {
        reasons.push("failed");
    }
    if !stale.is_empty() {
        reasons.push("stale");
    }
    if reasons.is_empty() {
        return;
    }
    let notice = Notice {
        format: NOTICE_FORMAT,
        at: rfc3339(SystemTime::now()),
        reasons,
        phases,
        inventory: args.selection.inventory.display().to_string(),
        exit_code,
        error,
        run_dir: summary.map(|r| {
            let runs = runs_dir(args.options.runs_dir.as_deref(), &args.selection.inventory);
            runs.join(&r.run_id).display().to_string()
        }),
        stale,
        summary: summary.map(crate::report::json_event::summary_to_json),
    };
    let json = serde_json::to_string_pretty(&notice).expect("notices serialize");
    match run(command, &json, &secret_env) {
        Ok(()) => eprintln!("notify: `{command}` told ({})", notice.reasons.join(", ")),
        Err(why) => eprintln!("notify: `{command}` failed: {why}; the run's own result stands"),
    }
}

/// The selected pairs that are stale now, and the names of the environment variables holding
/// sudo passwords. Empty when the inventory or role cannot be read (that error is the notice's).
fn stale_pairs(args: &PhaseArgs) -> (Vec<StalePair>, Vec<String>) {
    let Ok((inventory, selected)) = super::load_selection(&args.selection) else {
        return (Vec::new(), Vec::new());
    };
    let secret_env = inventory
        .pairs
        .iter()
        .flat_map(|p| [&p.origin, &p.target])
        .filter_map(|e| e.r#become.as_ref()?.password_env.clone())
        .collect();
    let Ok(role) = super::roles::load(args.role.as_deref(), &inventory.path) else {
        return (Vec::new(), secret_env);
    };
    let dir = args.state_dir.clone().unwrap_or_else(|| default_dir(&inventory.path));
    let journal = Journal::read_only(&dir);
    let now = epoch_secs(SystemTime::now());
    let stale = selected
        .iter()
        .map(|&i| &inventory.pairs[i].name)
        .filter_map(|name| {
            let j = journal.read(name);
            super::stale::is_stale(&role.journal, &j, now, args.stale_after).then(|| StalePair {
                pair: name.clone(),
                last_sync_age_secs: super::stale::last_sync_age(&j, now),
            })
        })
        .collect();
    (stale, secret_env)
}

/// `sh -c CMD` with `notice` on stdin, without the secret variables, killed after `TIMEOUT`.
fn run(command: &str, notice: &str, secret_env: &[String]) -> std::result::Result<(), String> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(command).stdin(Stdio::piped());
    for name in secret_env {
        cmd.env_remove(name);
    }
    let mut child = cmd.spawn().map_err(|e| format!("cannot start sh: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its stdin closes it early: not a failure.
        let _ = stdin.write_all(notice.as_bytes());
    }
    let started = Instant::now();
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) if status.success() => return Ok(()),
            Some(status) => return Err(status.to_string()),
            None if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("still running after {}s, killed", TIMEOUT.as_secs()));
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

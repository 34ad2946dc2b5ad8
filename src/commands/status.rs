//! `bmfleet status`: where each pair stands, from the journal alone (nothing connects).

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::cli::{Format, StatusArgs};
use crate::error::{Error, Result};
use crate::journal::{Journal, PairJournal, default_dir};
use crate::report::table;
use crate::time::{epoch_secs, human_duration};

/// One row of `status --format json`. The `*_hot_sync*` keys name the role's repeatable sync
/// (`journal: repeatable_sync:`), whatever the phase is called: kept for scripts reading them.
#[derive(Serialize)]
struct PairStatusLine {
    pair: String,
    wave: u32,
    reached: Option<String>,
    last_hot_sync_age_secs: Option<f64>,
    last_hot_sync_bytes: Option<u64>,
    last_hot_sync_files: Option<u64>,
    last_hot_sync_secs: Option<f64>,
    stale: bool,
    partial_hot_sync: bool,
    /// Measured downtime when the cold sync and post ran; else an estimate from the last hot sync.
    downtime_secs: Option<f64>,
    downtime_measured: bool,
    running: Option<String>,
    last_status: Option<String>,
}

/// The cold sync's final rsync moves what changed since the last hot sync: scale the last hot
/// sync's duration by how long ago it ran, relative to the interval between the last two.
fn estimate(j: &PairJournal, now: f64) -> Option<f64> {
    let last = j.last_sync.as_ref()?;
    let age = (now - last.at).max(0.0);
    let scale = match &j.previous_sync {
        Some(prev) if last.at > prev.at => (age / (last.at - prev.at)).clamp(0.1, 10.0),
        _ => 1.0,
    };
    Some(last.transfer.secs * scale)
}

fn pid_alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
}

// Over 100 lines on purpose: one table, row by row: the journal, the stale rule and the run-in-progress check read in order.
#[allow(clippy::too_many_lines)]
pub fn status(args: StatusArgs) -> Result<ExitCode> {
    let (inventory, selected) = super::load_selection(&args.selection)?;
    let stale_after = args.stale_after;
    let role = super::roles::load(args.role.as_deref(), &inventory.path)?;
    let phases = role.sequence();
    let dir = args.state_dir.clone().unwrap_or_else(|| default_dir(&inventory.path));
    let journal =
        Journal::open(&dir).map_err(|e| Error::internal(format!("cannot open {}: {e}", dir.display())))?;
    let in_progress = journal.run_in_progress();
    let now = epoch_secs(SystemTime::now());
    let lines: Vec<PairStatusLine> = selected
        .iter()
        .map(|&i| {
            let pair = &inventory.pairs[i];
            let j = journal.read(&pair.name);
            let age = j.last_sync.as_ref().map(|h| (now - h.at).max(0.0));
            let measured = j.downtime(&role.journal);
            let running = j.running.as_ref().filter(|r| in_progress.is_some() && pid_alive(r.pid)).map(|r| {
                format!(
                    "run {} for {}",
                    r.run_id,
                    human_duration(Duration::from_secs_f64((now - r.since).max(0.0)))
                )
            });
            PairStatusLine {
                pair: pair.name.clone(),
                wave: pair.wave,
                reached: j.reached(&phases).map(String::from),
                last_hot_sync_age_secs: age,
                last_hot_sync_bytes: j.last_sync.as_ref().map(|h| h.transfer.stats.bytes_transferred),
                last_hot_sync_files: j.last_sync.as_ref().map(|h| h.transfer.stats.files_transferred),
                last_hot_sync_secs: j.last_sync.as_ref().map(|h| h.transfer.secs),
                // Only a role with a repeatable sync has one to go stale.
                stale: role.journal.repeatable_sync.is_some()
                    && age.is_none_or(|a| a > stale_after.as_secs_f64())
                    && !role.journal.final_sync.as_ref().is_some_and(|f| j.phases.contains_key(f)),
                partial_hot_sync: j.partial_sync.is_some(),
                downtime_secs: measured.or_else(|| estimate(&j, now)),
                downtime_measured: measured.is_some(),
                running,
                last_status: j.last_status.map(|s| s.as_str().to_string()),
            }
        })
        .collect();
    // The repeatable sync's column is named after the role's phase (`hot-sync`: LAST HOT SYNC).
    let sync_column =
        format!("LAST {}", role.journal.repeatable_sync_title().unwrap_or_else(|| "SYNC".into()));
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&lines).expect("json")),
        Format::Text => {
            let rows: Vec<Vec<String>> = lines
                .iter()
                .map(|l| {
                    let hot = match (l.last_hot_sync_age_secs, l.stale) {
                        (Some(age), stale) => format!(
                            "{} ago{}{}",
                            human_duration(Duration::from_secs_f64(age)),
                            if stale { " STALE" } else { "" },
                            if l.partial_hot_sync { " (+partial)" } else { "" }
                        ),
                        (None, true) => "never STALE".into(),
                        (None, false) => "-".into(),
                    };
                    let delta = l
                        .last_hot_sync_bytes
                        .map(|b| format!("{} files, {b} B", l.last_hot_sync_files.unwrap_or(0)))
                        .unwrap_or_else(|| "-".into());
                    let downtime = match (l.downtime_secs, l.downtime_measured) {
                        (Some(d), true) => format!("{d:.1}s (measured)"),
                        (Some(d), false) => {
                            format!("~{} + databases", human_duration(Duration::from_secs_f64(d)))
                        }
                        (None, _) => "-".into(),
                    };
                    vec![
                        l.pair.clone(),
                        l.wave.to_string(),
                        l.reached.clone().unwrap_or_else(|| "-".into()),
                        hot,
                        delta,
                        downtime,
                        l.last_status.clone().unwrap_or_else(|| "-".into()),
                        l.running.clone().unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            print!(
                "{}",
                table(
                    &[
                        "PAIR",
                        "WAVE",
                        "REACHED",
                        sync_column.as_str(),
                        "ITS DELTA",
                        "DOWNTIME",
                        "LAST RUN",
                        "RUNNING"
                    ],
                    &rows
                )
            );
            match &in_progress {
                Some(holder) => println!("A run is in progress: {holder}"),
                None => println!("No run in progress. Journal: {}", dir.display()),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

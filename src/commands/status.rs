//! `bmfleet status`: where each pair stands, from the journal alone (nothing connects).

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::cli::{Format, StatusArgs};
use crate::error::Result;
use crate::inventory::merged_vars;
use crate::journal::{Journal, PairJournal, SyncRecord, default_dir};
use crate::report::rundir::runs_dir;
use crate::report::table;
use crate::role::journal::JournalSpec;
use crate::time::{epoch_secs, human_duration};

/// One row of `status --format json`. The `*_hot_sync*` keys name the role's repeatable sync
/// (`journal: repeatable_sync:`), whatever the phase is called: kept for scripts reading them.
#[derive(Serialize)]
struct DowntimeParts {
    final_rsync_secs: f64,
    databases_secs: Option<f64>,
    verify_secs: f64,
}

#[derive(Serialize, Default)]
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
    /// The estimate's parts (final rsync, databases, verify), when it is an estimate.
    #[serde(skip_serializing_if = "Option::is_none")]
    downtime_parts: Option<DowntimeParts>,
    /// For the text table: "run ID for 12m".
    #[serde(skip)]
    running: Option<String>,
    /// The run working on the pair now, and for how long (s).
    running_run_id: Option<String>,
    running_for_secs: Option<f64>,
    last_status: Option<String>,
    /// The numbers the role's steps recorded (`record_value:`), by name: the databases' size,
    /// how the databases travel (BlueMind's `db_sync_physical`)... whatever the role measures.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    values: std::collections::BTreeMap<String, u64>,
    /// The role's declared method (`journal: method:`) as this pair recorded it: BlueMind's way
    /// the databases travel.
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<String>,
}

/// What the downtime is made of, as measured on the large tenant (bench/README.md "Large tenant"):
/// the origin's stop and the target's start (a few seconds), then the final rsync of the spools
/// beside the databases' chain (dump, transfer, restore: they run at once, the longer one counts),
/// then the check of every count before cutover (a walk of the spools on both hosts).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Prediction {
    final_rsync: f64,
    /// None while the databases' size is not recorded: the text says "+ databases".
    databases: Option<f64>,
    verify: f64,
    total: f64,
}

/// Stop of the origin + start of the target, s (0.6-0.9 + 0.3 measured on the large tenant).
const STOP_START_SECS: f64 = 1.0;
/// The final rsync sends the change lists' entries (roles/bluemind/templates/lib/changes.sh), it
/// does not walk: its time is a scan of every entry on the stopped hosts (find, by ctime), as a
/// share of a full copy's time (which carries the machine's own speed), plus what changed, each
/// changed file costing what it cost in that copy (bench/README.md "Large tenant").
const SCAN_SHARE_OF_FULL_COPY: f64 = 0.01;
/// The final rsync walks every spool (`final_rsync: full`, or no usable list): rsync lists every
/// entry on both hosts and compares them, a share of a full copy's time. On the 1e6-file bench
/// tenant (bench/README.md "Large tenant") the walk took 57.0 s after a 344.3 s full copy
/// (2026-12-02) and 53.5 s after 236.6 s (2026-12-03, beside the databases' chain): 0.166 and
/// 0.226 of it, less a day's change (`DAY_CHANGE_SHARE`, 0.04) each; their mean.
const WALK_SHARE_OF_FULL_COPY: f64 = 0.156;
/// After a first hot sync only, nothing says how fast the tenant changes: a day's change, per
/// day of age (at least one), as a share of its entries. The bench's day (1% new messages, 0.3%
/// expunged, the index files of every folder they touched) changes about 4%.
const DAY_CHANGE_SHARE: f64 = 0.04;
/// The count of every spool on both hosts before cutover, as a share of the same copy's time:
/// 5.2 s after 344.3 s and 6.9 s after 236.6 s at 1e6 files (0.015 and 0.029; their mean).
const FIRST_SYNC_SHARE_VERIFY: f64 = 0.022;
/// The databases' chain (dump, transfer, restore with its indexes), bytes of pg_database_size per
/// s, beside the final rsync on the same 2 cores: 68.6 s (dump 19.4, pull 14.4, restore 34.8)
/// for 2,167,552,718 bytes on the 1e6-file bench tenant (2026-12-03; 33.7 s for 1.385 GB on a
/// loaded machine the day before, while the walk was slower: the two share the cores).
const DATABASES_BYTES_PER_SEC: f64 = 2.1676e9 / 68.6;

/// With a warm pass right before the freeze (the role's `journal: warm_pass`), the freeze sends
/// what changed during that pass (minutes of mail), not the change since the last hot sync,
/// after the origin's change scan, which reads the ctime of every folder and every file but the
/// write-once messages (roles/bluemind/templates/lib/changes-folders.sh): that scan still grows
/// with the tenant's folders and files, a share of a full copy's time. On the large bench tenant
/// (bench/README.md, 2026-12-08, physical method, 1e6 files): from the origin's stop to the end
/// of the final rsync, 4.34 s after a 322.61 s full copy (00:07: the scan 3.3 beside the
/// databases' steps, the passes 1.1) and 3.64 s after 324.61 s (00:42: the scan's reads split
/// across the cores, 2.7): 0.0135 and 0.0112, their mean. In sample, two runs (0.0185 when the
/// scan read every entry's ctime, 2026-12-07 18:12).
const WARM_FREEZE_SHARE_OF_FULL_COPY: f64 = 0.0123;

/// How the final sync passes over the spools, as the role's `journal:` and the pair's variables
/// say: change lists (`final_sync_lists`) or a walk, after a warm pass (`warm_pass`) or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FinalPass {
    lists: bool,
    warm: bool,
}

/// The downtime `migrate` would have now, from the last hot sync (and the one before it).
/// The final rsync walks every spool (`lists` false) or scans every entry for changes (`lists`
/// true: the role's `journal: final_sync_lists`), and sends what changed since the last hot
/// sync; the walk or the scan costs a share of a full copy's time. After a
/// second hot sync, the share that changed is what that sync copied over the interval between
/// the last two, scaled by the age of the last one (at most 10 intervals). After a first hot
/// sync only (a full copy), a day's change per day of age is assumed.
fn predict(
    last: &SyncRecord,
    previous: Option<&SyncRecord>,
    now: f64,
    databases_bytes: Option<u64>,
    pass: FinalPass,
) -> Prediction {
    let age = (now - last.at).max(0.0);
    let files = last.transfer.stats.files.max(1) as f64;
    let (changed_share, full_copy) = match previous {
        Some(prev) if last.at > prev.at => (
            last.transfer.stats.files_transferred as f64 / files * (age / (last.at - prev.at)).min(10.0),
            prev.transfer.secs.max(last.transfer.secs),
        ),
        _ => (DAY_CHANGE_SHARE * (age / 86_400.0).clamp(1.0, 10.0), last.transfer.secs),
    };
    let look = if pass.lists { SCAN_SHARE_OF_FULL_COPY } else { WALK_SHARE_OF_FULL_COPY };
    let final_rsync = if pass.lists && pass.warm {
        full_copy * WARM_FREEZE_SHARE_OF_FULL_COPY
    } else {
        full_copy * (look + changed_share.min(1.0))
    };
    let databases = databases_bytes.map(|b| b as f64 / DATABASES_BYTES_PER_SEC);
    let verify = full_copy * FIRST_SYNC_SHARE_VERIFY;
    let total = STOP_START_SECS + final_rsync.max(databases.unwrap_or(0.0)) + verify;
    Prediction { final_rsync, databases, verify, total }
}

/// The check before cutover once the origin's count was timed at the last hot sync (`journal:
/// freeze_check_ms`), per second of that count. At the freeze the origin counts beside the
/// final passes, the target its rows as soon as its databases are final and its spools once the
/// final rsync is over, then the two are compared: the check's part of the downtime is the
/// target's count of its spools. On the large bench tenant (bench/README.md, 2026-12-07) it took
/// 4.5 s where the serving origin's whole count at the hot sync took 7.1 s (12:11), and 4.7 s for
/// 9.8 s that morning: 0.635 and 0.48; the later run's, whose freeze sent no resent tail, is kept.
/// In sample. After a warm pass the freeze now counts from the tallies instead
/// (`TALLY_CHECK_PER_COUNT_SEC`); this share is the freeze without one.
const CHECK_PER_COUNT_SEC: f64 = 0.635;

/// With the warm pass, the check's part once both hosts tallied their spools during it
/// (roles/bluemind/templates/lib/tally.sh): the target's count after the final rsync stats every
/// directory it tallied and counts again the folders changed since, then the comparison, per
/// second of the origin's whole count timed at the hot sync. On the large bench tenant
/// (bench/README.md, 2026-12-08): 0.99 s (count 0.9, comparison 0.1) for a count timed at
/// 4.877 s (00:07), 0.95 s for 4.547 s (00:42): 0.20 and 0.21. In sample, two runs (0.22 on
/// 2026-12-07 18:12, before the count's merge skipped its walk up every folder's path when no
/// folder was gone).
const TALLY_CHECK_PER_COUNT_SEC: f64 = 0.20;

/// `p` with its check before cutover from the timed count, when there is one: that count grows
/// with the tenant's rows and entries, which a full copy's time (the estimate without it) only
/// follows from afar (+76% on the bench tenant, 2026-12-06). After a warm pass the freeze counts
/// from the tallies (`TALLY_CHECK_PER_COUNT_SEC`), otherwise every entry.
fn with_timed_check(p: Prediction, count_secs: Option<f64>, pass: FinalPass) -> Prediction {
    let Some(count) = count_secs else { return p };
    let per = if pass.lists && pass.warm { TALLY_CHECK_PER_COUNT_SEC } else { CHECK_PER_COUNT_SEC };
    let verify = count * per;
    Prediction { verify, total: p.total - p.verify + verify, ..p }
}

/// The prediction from the journal: its last syncs, and the databases' size and the origin's
/// timed count when steps recorded the values the role names (`journal: databases_bytes:`,
/// `freeze_check_ms:`); `pass` as in `predict`.
fn estimate(j: &PairJournal, spec: &JournalSpec, now: f64, pass: FinalPass) -> Option<Prediction> {
    let last = j.last_sync.as_ref()?;
    let p = predict(last, j.previous_sync.as_ref(), now, spec.databases_bytes(&j.values), pass);
    Some(with_timed_check(p, spec.freeze_check_secs(&j.values), pass))
}

/// The DOWNTIME column: measured, or predicted (`+ databases` while their size is unknown).
fn downtime_text(l: &PairStatusLine) -> String {
    let unknown_databases = l.downtime_parts.as_ref().is_some_and(|p| p.databases_secs.is_none());
    match (l.downtime_secs, l.downtime_measured) {
        (Some(d), true) => format!("{d:.1}s (measured)"),
        (Some(d), false) => format!(
            "~{}{}",
            human_duration(Duration::from_secs_f64(d)),
            if unknown_databases { " + databases" } else { "" }
        ),
        (None, _) => "-".into(),
    }
}

fn pid_alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
}

/// `status --format json`'s shape; raised when a key changes meaning or goes away (docs/json.md).
pub const STATUS_FORMAT: u32 = 1;

/// `status --format json`: the envelope every JSON document of bmfleet shares.
#[derive(Serialize)]
struct StatusJson<'a> {
    format: u32,
    pairs: &'a [PairStatusLine],
    /// The run holding the state directory now, if any.
    run_in_progress: Option<String>,
    /// The state directory (journal) read.
    state_dir: String,
    /// Where the runs' records are (logs, summaries): not read, named for the operator.
    runs_dir: String,
}

/// What `status` reads once for every pair.
struct Context<'a> {
    inventory: &'a crate::inventory::Inventory,
    role: &'a crate::role::Role,
    phases: Vec<&'a str>,
    journal: &'a Journal,
    in_progress: bool,
    now: f64,
    stale_after: Duration,
}

pub fn status(args: StatusArgs) -> Result<ExitCode> {
    let (inventory, selected) = super::load_selection(&args.selection)?;
    let role = super::roles::load(args.role.as_deref(), &inventory.path)?;
    let dir = args.state_dir.clone().unwrap_or_else(|| default_dir(&inventory.path));
    let runs = runs_dir(args.runs_dir.as_deref(), &args.selection.inventory);
    // A read: nothing is created, and a campaign that never ran reads as empty journals.
    let journal = Journal::read_only(&dir);
    let in_progress = journal.run_in_progress();
    let context = Context {
        inventory: &inventory,
        role: &role,
        phases: role.sequence(),
        journal: &journal,
        in_progress: in_progress.is_some(),
        now: epoch_secs(SystemTime::now()),
        stale_after: args.stale_after,
    };
    let lines: Vec<PairStatusLine> = selected.iter().map(|&i| line(&context, i)).collect();
    match args.format {
        Format::Json => {
            let json = StatusJson {
                format: STATUS_FORMAT,
                pairs: &lines,
                run_in_progress: in_progress.clone(),
                state_dir: dir.display().to_string(),
                runs_dir: runs.display().to_string(),
            };
            println!("{}", serde_json::to_string_pretty(&json).expect("json"))
        }
        Format::Text => {
            print!("{}", text_table(&lines, &role, journal.exists()));
            match &in_progress {
                Some(holder) => println!("A run is in progress: {holder}"),
                None if !journal.exists() => {
                    println!("No run yet: nothing is recorded in {} (the journal)", dir.display())
                }
                None => println!("No run in progress. Journal: {}", dir.display()),
            }
            let none = if runs.is_dir() { "" } else { " (none yet)" };
            println!("Runs (logs, summaries): {}{none}", runs.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One pair's line, from its journal: phase reached, last sync, staleness, downtime (measured,
/// or predicted from the last syncs) and the run working on it, if one is alive.
fn line(c: &Context<'_>, index: usize) -> PairStatusLine {
    let pair = &c.inventory.pairs[index];
    let j = c.journal.read(&pair.name);
    let now = c.now;
    let measured = j.downtime(&c.role.journal);
    let vars = merged_vars(c.inventory, pair, &c.role.defaults);
    let pass = FinalPass {
        lists: c.role.journal.final_sync_sends_lists(|name| vars.get(name).map(|(v, _)| v)),
        warm: c.role.journal.final_sync_warms(|name| vars.get(name).map(|(v, _)| v)),
    };
    let predicted = if measured.is_none() { estimate(&j, &c.role.journal, now, pass) } else { None };
    let alive = j.running.as_ref().filter(|r| c.in_progress && pid_alive(r.pid));
    let running_for = alive.map(|r| (now - r.since).max(0.0));
    let running = alive
        .zip(running_for)
        .map(|(r, secs)| format!("run {} for {}", r.run_id, human_duration(Duration::from_secs_f64(secs))));
    PairStatusLine {
        pair: pair.name.clone(),
        wave: pair.wave,
        reached: j.reached(&c.phases).map(String::from),
        last_hot_sync_age_secs: super::stale::last_sync_age(&j, now),
        last_hot_sync_bytes: j.last_sync.as_ref().map(|h| h.transfer.stats.bytes_transferred),
        last_hot_sync_files: j.last_sync.as_ref().map(|h| h.transfer.stats.files_transferred),
        last_hot_sync_secs: j.last_sync.as_ref().map(|h| h.transfer.secs),
        // Only a role with a repeatable sync has one to go stale.
        stale: super::stale::is_stale(&c.role.journal, &j, now, c.stale_after),
        partial_hot_sync: j.partial_sync.is_some(),
        downtime_secs: measured.or(predicted.map(|p| p.total)),
        downtime_measured: measured.is_some(),
        downtime_parts: predicted.map(|p| DowntimeParts {
            final_rsync_secs: p.final_rsync,
            databases_secs: p.databases,
            verify_secs: p.verify,
        }),
        running,
        running_run_id: alive.map(|r| r.run_id.clone()),
        running_for_secs: running_for,
        last_status: j.last_status.map(|s| s.as_str().to_string()),
        values: j.values.clone(),
        method: c.role.journal.method_label(&j.values).map(String::from),
    }
}

/// The LAST SYNC cell: its age, STALE, and a partial sync since.
fn sync_text(l: &PairStatusLine, journal_exists: bool) -> String {
    match (l.last_hot_sync_age_secs, l.stale) {
        (Some(age), stale) => format!(
            "{} ago{}{}",
            human_duration(Duration::from_secs_f64(age)),
            if stale { " STALE" } else { "" },
            if l.partial_hot_sync { " (+partial)" } else { "" }
        ),
        // Stale once the campaign has begun; before any run, simply never synced.
        (None, true) if journal_exists => "never synced, STALE".into(),
        (None, true) => "never synced".into(),
        (None, false) => "-".into(),
    }
}

/// The text table, one row per pair.
fn text_table(lines: &[PairStatusLine], role: &crate::role::Role, journal_exists: bool) -> String {
    let rows: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            let delta = l
                .last_hot_sync_bytes
                .map(|b| format!("{} files, {b} B", l.last_hot_sync_files.unwrap_or(0)))
                .unwrap_or_else(|| "-".into());
            let mut row = vec![
                l.pair.clone(),
                l.wave.to_string(),
                l.reached.clone().unwrap_or_else(|| "-".into()),
                sync_text(l, journal_exists),
                delta,
                downtime_text(l),
            ];
            if role.journal.method.is_some() {
                row.push(l.method.clone().unwrap_or_else(|| "-".into()));
            }
            row.push(l.last_status.clone().unwrap_or_else(|| "-".into()));
            row.push(l.running.clone().unwrap_or_else(|| "-".into()));
            row
        })
        .collect();
    // The repeatable sync's column is named after the role's phase (`hot-sync`: LAST HOT SYNC);
    // the role's declared method gets a column of its own, titled by the role.
    let sync_column =
        format!("LAST {}", role.journal.repeatable_sync_title().unwrap_or_else(|| "SYNC".into()));
    let method_column = role.journal.method.as_ref().map(|m| m.title.to_uppercase());
    let mut header = vec!["PAIR", "WAVE", "REACHED", sync_column.as_str(), "ITS DELTA", "DOWNTIME"];
    header.extend(method_column.as_deref());
    header.extend(["LAST RUN", "RUNNING"]);
    table(&header, &rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WALK: FinalPass = FinalPass { lists: false, warm: false };
    const LISTS: FinalPass = FinalPass { lists: true, warm: false };
    const WARM: FinalPass = FinalPass { lists: true, warm: true };
    use crate::report::summary::Transfer;

    fn sync(at: f64, secs: f64, files: u64) -> SyncRecord {
        let mut transfer = Transfer { secs, ..Transfer::default() };
        transfer.stats.files = files;
        SyncRecord { at, run_id: "r".into(), transfer }
    }

    fn sync_of(at: f64, secs: f64, files: u64, transferred: u64) -> SyncRecord {
        let mut s = sync(at, secs, files);
        s.transfer.stats.files_transferred = transferred;
        s
    }

    #[test]
    fn a_first_hot_sync_predicts_a_scan_and_a_day_of_change_not_the_full_copy() {
        // 1e6 files copied in 344.3 s, the cold sync 100 s later: a scan and one day's change.
        let p = predict(&sync(1000.0, 344.3, 1_154_465), None, 1100.0, None, LISTS);
        let expected = 344.3 * (SCAN_SHARE_OF_FULL_COPY + DAY_CHANGE_SHARE);
        assert!((p.final_rsync - expected).abs() < 1e-6, "{p:?}");
        let verify = 344.3 * FIRST_SYNC_SHARE_VERIFY;
        assert!((p.verify - verify).abs() < 1e-6, "{p:?}");
        assert_eq!(p.databases, None);
        assert!((p.total - (1.0 + expected + verify)).abs() < 1e-6, "{p:?}");
        // three days later, three days of change
        let later = predict(&sync(1000.0, 344.3, 1_154_465), None, 1000.0 + 3.0 * 86_400.0, None, LISTS);
        assert!(
            (later.final_rsync - 344.3 * (SCAN_SHARE_OF_FULL_COPY + 3.0 * DAY_CHANGE_SHARE)).abs() < 1e-6
        );
    }

    #[test]
    fn after_a_second_hot_sync_what_it_copied_scales_with_the_age_of_the_last_one() {
        // 30,000 of 1e6 files copied again a day after the first hot sync (348.7 s).
        let prev = sync_of(0.0, 348.7, 1_000_000, 1_000_000);
        let last = sync_of(86_400.0, 40.0, 1_000_000, 30_000);
        let at = |age: f64| predict(&last, Some(&prev), 86_400.0 + age, None, LISTS).final_rsync;
        let scan = 348.7 * SCAN_SHARE_OF_FULL_COPY;
        // right after it, the scan alone
        assert!((at(0.0) - scan).abs() < 1e-6);
        // a day later, the interval's change again; two days later, twice that
        assert!((at(86_400.0) - (scan + 348.7 * 0.03)).abs() < 1e-6);
        assert!((at(2.0 * 86_400.0) - (scan + 348.7 * 0.06)).abs() < 1e-6);
        // at most 10 intervals' change
        assert!((at(100.0 * 86_400.0) - (scan + 348.7 * 0.3)).abs() < 1e-6);
    }

    #[test]
    fn a_walking_final_rsync_costs_a_walk_of_the_spools_not_a_scan() {
        let last = sync(1000.0, 344.3, 1_154_465);
        let walk = predict(&last, None, 1100.0, None, WALK);
        let lists = predict(&last, None, 1100.0, None, LISTS);
        let expected = 344.3 * (WALK_SHARE_OF_FULL_COPY + DAY_CHANGE_SHARE);
        assert!((walk.final_rsync - expected).abs() < 1e-6, "{walk:?}");
        assert!(walk.final_rsync > lists.final_rsync, "{walk:?} vs {lists:?}");
        assert!((walk.total - (1.0 + expected + walk.verify)).abs() < 1e-6, "{walk:?}");
    }

    /// The bench's runs of 2026-12-03 (bench/README.md "Large tenant"): each hot sync a full
    /// copy, the day of change, the cold sync minutes later; measured downtime 76.2 s walking,
    /// 86.2 s from change lists, and the issue's target of +-25%.
    #[test]
    fn the_large_tenant_runs_are_predicted_within_a_quarter() {
        for (copy, bytes, lists, measured) in
            [(236.6, 2_167_552_718, false, 76.2), (156.8, 2_172_943_054, true, 86.2)]
        {
            let pass = FinalPass { lists, warm: false };
            let p = predict(&sync(1000.0, copy, 1_154_461), None, 1300.0, Some(bytes), pass);
            let error = p.total / measured - 1.0;
            assert!(error.abs() <= 0.25, "lists {lists}: {:.1} s for {measured} s ({p:?})", p.total);
        }
        // 2026-12-07 18:12, the physical method, the warm pass and the tallies, the target's scan
        // before the stop, the changed folders found by a stat of the tallied ones: a first hot
        // sync of 316.35 s, the origin's count timed at 7,669 ms, 8.12 s of downtime. (The day's
        // earlier runs, 20.3 to 9.3 s, scanned both hosts in the downtime, read every entry for
        // the changed folders or counted every entry at the freeze: roles that are no more.)
        {
            let (copy, count, measured) = (316.35, 7.669, 8.12);
            let p = with_timed_check(
                predict(&sync(1000.0, copy, 1_002_645), None, 1300.0, Some(0), WARM),
                Some(count),
                WARM,
            );
            let error = p.total / measured - 1.0;
            assert!(error.abs() <= 0.25, "warm pass: {:.1} s for {measured} s ({p:?})", p.total);
        }
    }

    #[test]
    fn the_databases_chain_runs_beside_the_final_rsync_and_the_longer_one_counts() {
        let last = sync(1000.0, 344.3, 1_154_465);
        let small = predict(&last, None, 1100.0, Some(100_000_000), LISTS);
        let large = predict(&last, None, 1100.0, Some(10_000_000_000), LISTS);
        assert!(small.databases.unwrap() < small.final_rsync);
        assert!((small.total - (1.0 + small.final_rsync + small.verify)).abs() < 1e-6, "{small:?}");
        let chain = 10_000_000_000.0 / DATABASES_BYTES_PER_SEC;
        assert!(chain > large.final_rsync);
        assert!((large.total - (1.0 + chain + large.verify)).abs() < 1e-6, "{large:?}");
    }

    #[test]
    fn the_origin_s_timed_count_replaces_the_check_s_share_of_a_full_copy() {
        let spec = JournalSpec { freeze_check_ms: Some("freeze_check_ms".into()), ..Default::default() };
        let mut j = PairJournal { last_sync: Some(sync(1000.0, 344.3, 1_154_465)), ..Default::default() };
        let before = estimate(&j, &spec, 1100.0, LISTS).unwrap();
        assert!((before.verify - 344.3 * FIRST_SYNC_SHARE_VERIFY).abs() < 1e-9, "{before:?}");
        j.values.insert("freeze_check_ms".into(), 12_500);
        let after = estimate(&j, &spec, 1100.0, LISTS).unwrap();
        assert!((after.verify - 12.5 * CHECK_PER_COUNT_SEC).abs() < 1e-9, "{after:?}");
        let tallied = estimate(&j, &spec, 1100.0, WARM).unwrap();
        assert!((tallied.verify - 12.5 * TALLY_CHECK_PER_COUNT_SEC).abs() < 1e-9, "{tallied:?}");
        assert!((after.total - (before.total - before.verify + after.verify)).abs() < 1e-9, "{after:?}");
        let undeclared = estimate(&j, &JournalSpec::default(), 1100.0, LISTS).unwrap();
        assert_eq!(undeclared.verify, before.verify, "a role that names no timed count");
    }

    #[test]
    fn the_recorded_databases_size_enters_the_estimate_and_the_text_then_drops_its_caveat() {
        let spec = JournalSpec { databases_bytes: Some("databases_bytes".into()), ..Default::default() };
        let mut j = PairJournal { last_sync: Some(sync(1000.0, 344.3, 1_154_465)), ..Default::default() };
        let line = |p: Prediction| PairStatusLine {
            downtime_secs: Some(p.total),
            downtime_parts: Some(DowntimeParts {
                final_rsync_secs: p.final_rsync,
                databases_secs: p.databases,
                verify_secs: p.verify,
            }),
            ..Default::default()
        };
        let without = estimate(&j, &spec, 1100.0, LISTS).unwrap();
        assert_eq!(without.databases, None);
        assert!(downtime_text(&line(without)).ends_with(" + databases"));

        j.values.insert("databases_bytes".into(), 10_000_000_000);
        let with = estimate(&j, &spec, 1100.0, LISTS).unwrap();
        let chain = 10_000_000_000.0 / DATABASES_BYTES_PER_SEC;
        assert_eq!(with.databases, Some(chain));
        assert!(with.total > without.total, "{with:?} vs {without:?}");
        let text = downtime_text(&line(with));
        assert!(text.starts_with('~') && !text.contains("databases"), "{text}");

        let undeclared = estimate(&j, &JournalSpec::default(), 1100.0, WALK).unwrap();
        assert_eq!(undeclared.databases, None, "a role that names no value: the size stays unknown");
    }
}

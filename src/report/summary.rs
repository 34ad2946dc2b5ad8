//! The end of a run, printed: the checks table of phases that declare checks, each pair's
//! status, failed step and last lines, transfers, downtime, rollbacks and the actions left to
//! the operator. The data is `crate::outcome` (also written as `summary.json`); this file only
//! says it to a person.

use super::table;
use crate::outcome::{ManualAction, PairReport, PairStatus, RollbackReport, RunReport};
use crate::role::journal::JournalSpec;
use crate::time::human_duration;

// `commands/status.rs`'s tests still name the transfer type here (that file is being changed on
// another branch; point it at `crate::outcome` once merged, and drop this).
#[cfg(test)]
pub use crate::outcome::Transfer;

// Downtime is read through the role's `journal:` (which records bound it): said here, beside
// its only reader, so that `outcome` needs nothing of the role.
impl PairReport {
    /// Downtime, when this run saw both its start and its end (the records `spec` names).
    pub fn downtime(&self, spec: &JournalSpec) -> Option<f64> {
        spec.downtime_secs(&self.records)
    }
}

pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

/// Pairs rolled back (or whose rollback failed, loudly), and the pairs run with their host-state
/// checks lifted.
fn rollbacks_text(out: &mut String, report: &RunReport) {
    let rollbacks: Vec<(&str, &RollbackReport)> =
        report.pairs.iter().filter_map(|p| Some((p.pair.as_str(), p.rollback.as_ref()?))).collect();
    if !rollbacks.is_empty() {
        out.push_str("\nRollbacks (pairs stopped before their point of no return)\n");
        for (pair, r) in &rollbacks {
            out.push_str(&format!("  {pair}: {}\n", r.message));
        }
        let failed = rollbacks.iter().filter(|(_, r)| !r.ok).count();
        if failed > 0 {
            out.push_str(&format!(
                "  !!! {failed} ROLLBACK{} FAILED: {} left half-way, see above !!!\n",
                if failed == 1 { "" } else { "S" },
                if failed == 1 { "that pair is" } else { "those pairs are" }
            ));
        }
    }
    let unrecorded: Vec<&PairReport> =
        report.pairs.iter().filter(|p| !p.journal_not_written.is_empty()).collect();
    if !unrecorded.is_empty() {
        out.push_str(
            "\n!!! JOURNAL NOT WRITTEN: the state directory does not say all that this run did; fix it (space, \
             permissions) before the next run of these pairs, and check `bmfleet status` against the hosts !!!\n",
        );
        for p in unrecorded {
            for m in &p.journal_not_written {
                out.push_str(&format!("  {}: {m}\n", p.pair));
            }
        }
    }
    if !report.overrides.is_empty() {
        out.push_str(&format!(
            "\nUNSAFE: --unsafe-override-host-state lifted the host-state safety checks for: {}\n",
            report.overrides.join(", ")
        ));
    }
}

/// Rows of ok pairs shown in the summary table before the rest is counted.
const OK_ROWS: usize = 20;

/// The text summary printed at the end of every run; `spec`: the role's `journal:` (which
/// records bound the downtime). Its sections, in the order they print.
pub fn render_text(report: &RunReport, spec: &JournalSpec) -> String {
    let mut out = String::new();
    checks_text(&mut out, report);
    pairs_text(&mut out, report, spec);
    rollbacks_text(&mut out, report);
    left_to_do_text(&mut out, report);
    counts_text(&mut out, report);
    out
}

/// The checks tables, one per phase that has checks (preflight, post...), each failed check's
/// message under it.
fn checks_text(out: &mut String, report: &RunReport) {
    let mut phases: Vec<&str> = Vec::new();
    for p in &report.pairs {
        for c in &p.checks {
            if !phases.contains(&c.phase.as_str()) {
                phases.push(&c.phase);
            }
        }
    }
    for phase in phases {
        let mut labels: Vec<&str> = Vec::new();
        for p in &report.pairs {
            for c in p.checks.iter().filter(|c| c.phase == phase) {
                if !labels.contains(&c.label.as_str()) {
                    labels.push(&c.label);
                }
            }
        }
        let mut header = vec!["PAIR"];
        header.extend(labels.iter().copied());
        header.push("VERDICT");
        let rows: Vec<Vec<String>> = report
            .pairs
            .iter()
            .filter(|p| p.checks.iter().any(|c| c.phase == phase))
            .map(|p| {
                let mut row = vec![p.pair.clone()];
                let (mut all_ok, mut not_run) = (true, false);
                for label in &labels {
                    let cell = p.checks.iter().find(|c| c.phase == phase && c.label == *label);
                    let mark = match cell.map(|c| c.result.as_str()) {
                        Some("ok") => "ok",
                        Some("warning") => "warn",
                        Some("skipped")
                            if cell
                                .and_then(|c| c.message.as_deref())
                                .is_some_and(|m| m.starts_with("not checked")) =>
                        {
                            "not checked"
                        }
                        Some("skipped") => "-",
                        Some("not run") => {
                            not_run = true;
                            "not run"
                        }
                        Some(_) => {
                            all_ok = false;
                            "FAIL"
                        }
                        None => "",
                    };
                    row.push(mark.to_string());
                }
                row.push(match (all_ok, not_run) {
                    (false, _) => "BLOCKED".into(),
                    (true, true) => "unreachable".into(),
                    (true, false) => "pass".into(),
                });
                row
            })
            .collect();
        out.push_str(&format!("\n{phase} checks\n"));
        out.push_str(&table(&header, &rows));
        // The checks' own errors first, then what could not be checked because of them.
        for p in &report.pairs {
            let failed = p.checks.iter().filter(|c| c.phase == phase && c.result == "failed");
            let unchecked = p.checks.iter().filter(|c| {
                c.phase == phase
                    && c.result == "skipped"
                    && c.message.as_deref().is_some_and(|m| m.starts_with("not checked"))
            });
            for c in failed.chain(unchecked) {
                if let Some(m) = &c.message {
                    out.push_str(&format!("  {} {}: {m}\n", p.pair, c.label));
                }
            }
        }
    }
}

/// The pairs' table (those that need someone first), then each pair's message and last lines.
fn pairs_text(out: &mut String, report: &RunReport, spec: &JournalSpec) {
    // Pairs that need someone first (failed, stopped...), then warnings, then the ok ones; past
    // OK_ROWS ok pairs, one line says how many more (summary.json has them all).
    let rank = |p: &&PairReport| match p.status {
        PairStatus::Ok => 2,
        PairStatus::Warning => 1,
        _ => 0,
    };
    let mut ordered: Vec<&PairReport> = report.pairs.iter().collect();
    ordered.sort_by_key(rank);
    let ok_hidden = report.count(PairStatus::Ok).saturating_sub(OK_ROWS);
    ordered.truncate(report.pairs.len() - ok_hidden);
    let rows: Vec<Vec<String>> = ordered
        .into_iter()
        .map(|p| {
            let transfer = p
                .transfers
                .iter()
                .map(|(phase, t)| {
                    format!(
                        "{phase}: {} in {} files, {:.1}s",
                        human_bytes(t.stats.bytes_transferred),
                        t.stats.files_transferred,
                        t.secs
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            vec![
                p.pair.clone(),
                p.wave.clone(),
                p.status.as_str().to_string(),
                p.failed_step.clone().unwrap_or_else(|| "-".into()),
                human_duration(p.duration),
                p.downtime(spec).map(|d| format!("{d:.1}s")).unwrap_or_else(|| "-".into()),
                if transfer.is_empty() { "-".into() } else { transfer },
            ]
        })
        .collect();
    out.push_str("\nSummary\n");
    out.push_str(&format!("Role {}\n", report.role));
    out.push_str(&table(
        &["PAIR", "WAVE", "STATUS", "FAILED STEP", "DURATION", "DOWNTIME", "TRANSFERS"],
        &rows,
    ));
    if ok_hidden > 0 {
        out.push_str(&format!("... and {ok_hidden} more pairs ok (summary.json lists every pair)\n"));
    }
    for p in report.pairs.iter().filter(|p| p.message.is_some() || !p.tail.is_empty()) {
        // One line per line of the message: an unreachable pair's says one host each.
        let message = p.message.as_deref().unwrap_or("");
        out.push('\n');
        for line in message.lines().chain(message.is_empty().then_some("")) {
            out.push_str(&format!("{} {}: {line}\n", p.pair, p.status.as_str()));
        }
        for line in &p.tail {
            out.push_str(&format!("  | {line}\n"));
        }
    }
}

/// The actions left to the operator, and why later waves did not run.
fn left_to_do_text(out: &mut String, report: &RunReport) {
    let manual: Vec<(&str, &ManualAction)> =
        report.pairs.iter().flat_map(|p| p.manual.iter().map(move |m| (p.pair.as_str(), m))).collect();
    if !manual.is_empty() {
        out.push_str("\nLeft to do by hand (as printed by the step and host named)\n");
        for (pair, m) in manual {
            out.push_str(&format!("  {pair} ({} on {}): {}\n", m.step, m.host, m.text));
        }
    }
    if let Some(reason) = &report.stopped {
        out.push_str(&format!("\nLater waves not run: {reason}\n"));
    }
}

/// The last line: how many pairs ended how, in how long.
fn counts_text(out: &mut String, report: &RunReport) {
    let counts: Vec<String> = [
        PairStatus::Ok,
        PairStatus::Warning,
        PairStatus::Failed,
        PairStatus::Unreachable,
        PairStatus::Busy,
        PairStatus::Blocked,
        PairStatus::Stopped,
        PairStatus::NotRun,
    ]
    .into_iter()
    .filter_map(|s| {
        let n = report.count(s);
        (n > 0).then(|| format!("{n} {}", s.as_str()))
    })
    .collect();
    out.push_str(&format!(
        "\n{} pairs: {} in {}",
        report.pairs.len(),
        counts.join(", "),
        human_duration(report.duration)
    ));
    if report.interrupted {
        out.push_str(" (interrupted)");
    }
    if report.deadline_reached {
        out.push_str(" (stopped at the --until deadline)");
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::time::Duration;

    /// A run of one phase of `role` that took `secs`.
    fn run_report(role: &str, phase: &str, secs: u64, pairs: Vec<PairReport>) -> RunReport {
        RunReport {
            run_id: "r".into(),
            role: role.into(),
            phases: vec![phase.into()],
            check_mode: false,
            interrupted: false,
            deadline_reached: false,
            stopped: None,
            duration: Duration::from_secs(secs),
            overrides: Vec::new(),
            pairs,
        }
    }

    #[test]
    fn the_summary_leads_with_the_pairs_that_need_attention_and_counts_the_many_ok_ones() {
        let mut pairs: Vec<PairReport> =
            (0..30).map(|i| PairReport::new(&format!("p{i:02}"), "1", PairStatus::Ok)).collect();
        pairs[17].status = PairStatus::Failed;
        pairs[17].failed_step = Some("cold-sync/restore bj".into());
        pairs[25].status = PairStatus::Warning;
        let report = run_report("bluemind", "cold-sync", 90, pairs);
        insta::assert_snapshot!(render_text(&report, &JournalSpec::default()));
    }

    /// Each action left by hand names the step and host that printed it (issue #27): a host's
    /// text, never bmfleet's; and what the journal could not record is said loudly.
    #[test]
    fn the_summary_says_who_printed_each_action_and_what_the_journal_missed() {
        let mut acme = PairReport::new("acme", "1", PairStatus::Ok);
        acme.manual = vec![ManualAction {
            step: "post/my networks".into(),
            host: "target t1".into(),
            text: "set \"My networks\" to 10.0.0.0/8: Admin console > System configuration".into(),
        }];
        let mut globex = PairReport::new("globex", "1", PairStatus::Ok);
        globex.manual = vec![ManualAction {
            step: "cutover/tell the operator".into(),
            host: "controller".into(),
            text: "switch DNS or addresses of o2 to the target t2 now".into(),
        }];
        globex.journal_not_written = vec![
            "the journal STATE/pairs/globex.json could not record that phase post completed: No space left on \
             device (os error 28)"
                .into(),
        ];
        let report = run_report("bluemind", "post", 12, vec![acme, globex]);
        assert_eq!(report.exit_code(), crate::error::exit::INTERNAL);
        insta::assert_snapshot!(render_text(&report, &JournalSpec::default()));
    }

    /// The DOWNTIME column reads the records the role's `journal:` names, whatever their names
    /// (tests/roles/renamed/role.yml's `stopped_at` and `started_at`).
    #[test]
    fn the_downtime_is_read_from_the_records_the_role_names() {
        let mut pair = PairReport::new("p01", "1", PairStatus::Ok);
        pair.records = BTreeMap::from([("stopped_at".into(), 100.0), ("started_at".into(), 112.5)]);
        let report = run_report("renamed", "final-copy", 20, vec![pair]);
        let spec = JournalSpec {
            downtime: Some(crate::role::journal::Downtime {
                start: "stopped_at".into(),
                end: "started_at".into(),
            }),
            ..Default::default()
        };
        assert_eq!(report.pairs[0].downtime(&spec), Some(12.5));
        let row = |text: String| text.lines().find(|l| l.starts_with("p01")).unwrap_or_default().to_string();
        assert!(row(render_text(&report, &spec)).contains(" 12.5s "), "{}", render_text(&report, &spec));
        assert!(!row(render_text(&report, &JournalSpec::default())).contains("12.5s"));
    }
}

//! What the HTML report shows, gathered from what bmfleet already keeps: the journal (one JSON
//! file per pair: phases, last hot syncs, downtime records, point of no return), and the run
//! directories (`summary.json`: checks, transfers, warnings, manual actions, failures; the pair
//! logs: when each phase ran, and what each check printed). Nothing connects to a host.
//!
//! The journal keeps only the last two hot syncs; the run directories keep every one, so the
//! campaign's history comes from them, completed by the journal where a run directory is gone.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::journal::PairJournal;
use crate::outcome::PairStatus;
use crate::outcome::Transfer;
use crate::role::journal::{JournalSpec, SyncKind};
use crate::secrets::Masker;

/// One transfer of the campaign (a hot sync, or the cold sync's final rsync).
#[derive(Debug, Clone, PartialEq)]
pub struct Sync {
    pub run_id: String,
    /// Start, seconds since the Unix epoch.
    pub at: f64,
    pub secs: f64,
    pub bytes: u64,
    pub files: u64,
}

/// A phase of one run of one pair, as its log shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct PhaseSpan {
    pub run_id: String,
    pub phase: String,
    pub start: f64,
    pub end: f64,
    pub ok: bool,
    /// Whether the phase is the role's repeatable or final sync (`journal:`), for its colour
    /// and the cut-over's close-up.
    pub sync: Option<SyncKind>,
}

/// A check's verdict: what was compared, the result, what it said.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub run_id: String,
    pub phase: String,
    pub label: String,
    /// `ok`, `warning`, `failed` or `skipped`.
    pub result: String,
    pub message: Option<String>,
}

/// An action left to do by hand, and who should do it.
#[derive(Debug, Clone, PartialEq)]
pub struct Manual {
    pub run_id: String,
    pub text: String,
    pub who: &'static str,
    /// The step and host that printed it (`post/firewall on target t1`); a run of an older
    /// bmfleet did not say, and took such lines from any step (issue #27).
    pub from: String,
}

/// The last run that did not succeed for the pair, and the command that retries exactly it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub run_id: String,
    pub status: String,
    pub step: Option<String>,
    pub message: Option<String>,
    pub tail: Vec<String>,
    pub rollback: Option<String>,
    /// Whether the rollback put the origin back in service; `None`: no rollback ran.
    pub rollback_ok: Option<bool>,
    pub retry: String,
}

/// What the hosts verified before the switch: every mailbox's messages on the target equal to
/// the stopped origin's (values recorded by the run, `VERIFIED_MESSAGES`, `VERIFIED_MAILBOXES`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub messages: u64,
    pub mailboxes: u64,
}

/// The `record_value:` names of the verified counts, as the journal keeps them (`values`).
/// A role that records none shows no counts. (Their place is the role's `journal:` section, as
/// `databases_bytes` is, when the role declares them.)
pub const VERIFIED_MESSAGES: &str = "verified_messages";
pub const VERIFIED_MAILBOXES: &str = "verified_mailboxes";

/// The verified counts the journal holds, both or none.
pub fn verified(values: &BTreeMap<String, u64>) -> Option<Verified> {
    Some(Verified { messages: *values.get(VERIFIED_MESSAGES)?, mailboxes: *values.get(VERIFIED_MAILBOXES)? })
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairView {
    pub name: String,
    /// The tenant's name for the customer (the inventory's `display_name`).
    pub display_name: Option<String>,
    pub wave: u32,
    pub origin: String,
    pub target: String,
    /// The last phase completed, in the role's order.
    pub reached: Option<String>,
    /// Every phase of the role's sequence done (`reached` is its last): the pair is migrated.
    pub migrated: bool,
    pub status: Option<String>,
    pub phases_done: Vec<(String, f64)>,
    pub spans: Vec<PhaseSpan>,
    pub hot_syncs: Vec<Sync>,
    pub cold_sync: Option<Sync>,
    pub downtime: Option<(f64, f64)>,
    pub point_of_no_return: Option<(f64, String)>,
    pub verdicts: Vec<Verdict>,
    pub warnings: Vec<(String, String)>,
    pub manual: Vec<Manual>,
    pub failure: Option<Failure>,
    pub verified: Option<Verified>,
    /// When the role's final sync completed, as the journal has it (a rollback resets it): mail
    /// is then stopped on the origin until the switch.
    pub final_sync_done: Option<f64>,
    /// The role's declared method (`journal: method:`), as (title, label), when recorded.
    pub method: Option<(String, String)>,
}

impl PairView {
    pub fn downtime_secs(&self) -> Option<f64> {
        self.downtime.map(|(s, e)| e - s)
    }

    /// Needs someone: failed, or manual actions left.
    pub fn needs_attention(&self) -> bool {
        self.failure.is_some() || !self.manual.is_empty()
    }
}

/// `summary.json` as the report reads it (fields it does not use are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct RunSummary {
    pub run_id: String,
    #[serde(default)]
    pub phases: Vec<String>,
    #[serde(default)]
    pub pairs: Vec<PairSummary>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PairSummary {
    pub pair: String,
    pub status: PairStatus,
    #[serde(default)]
    pub failed_step: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub tail: Vec<String>,
    #[serde(default)]
    pub checks: Vec<CheckSummary>,
    #[serde(default)]
    pub transfers: BTreeMap<String, Transfer>,
    #[serde(default)]
    pub warnings: Vec<String>,
    #[serde(default)]
    pub manual: Vec<ManualSummary>,
    #[serde(default)]
    pub rollback: Option<RollbackSummary>,
}

/// An action left by hand in `summary.json`: with the step and host that printed it, or a bare
/// text in the summaries of older runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ManualSummary {
    /// `on` and `host` apart since summary.json is typed (`"on": "target", "host": "H"`); a
    /// run before that has the label in `host` (`"target H"`) and no `on`.
    Attributed {
        step: String,
        #[serde(default)]
        on: Option<String>,
        host: Option<String>,
        text: String,
    },
    Bare(String),
}

impl ManualSummary {
    fn text(&self) -> &str {
        match self {
            ManualSummary::Attributed { text, .. } | ManualSummary::Bare(text) => text,
        }
    }

    fn from(&self) -> String {
        match self {
            ManualSummary::Attributed { step, on, host, .. } => {
                let at = [on.as_deref(), host.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
                if at.is_empty() { step.clone() } else { format!("{step} on {at}") }
            }
            ManualSummary::Bare(_) => "not recorded (a run before bmfleet said which step printed it)".into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct CheckSummary {
    pub phase: String,
    pub label: String,
    pub result: String,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RollbackSummary {
    pub ok: bool,
    pub message: String,
}

/// One run directory, read.
#[derive(Debug, Clone)]
pub struct Run {
    pub summary: RunSummary,
    /// The pair logs of this run, by pair name.
    pub logs: BTreeMap<String, String>,
}

/// Who does a manual action, from what it asks: the admin console is the BlueMind
/// administrator's; names and addresses are the network's; anything else is the operator's.
pub fn who(text: &str) -> &'static str {
    let lower = text.to_lowercase();
    if lower.contains("admin console") || lower.contains("keycloak") {
        "BlueMind administrator"
    } else if lower.contains("dns") || lower.contains("address") {
        "network / DNS administrator"
    } else {
        "migration operator"
    }
}

/// How to run again what a run did for one pair: `migrate` resumes; a single phase is its
/// own command.
pub fn retry_command(inventory: &str, extra: &[String], phases: &[String], pair: &str) -> String {
    let mut argv: Vec<String> = vec!["bmfleet".into()];
    match phases {
        [one] => argv.push(one.clone()),
        _ => argv.push("migrate".into()),
    }
    argv.extend(["-i".into(), inventory.into()]);
    argv.extend(extra.iter().cloned());
    argv.extend(["--limit".into(), pair.into()]);
    argv.iter()
        .map(|a| crate::shell::quote(a).map(|q| q.into_owned()).unwrap_or_else(|_| a.clone()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Seconds since the epoch of `2026-11-26T04:38:00.123Z` (the logs' timestamps).
pub fn parse_rfc3339(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[10] != b'T' || !text.ends_with('Z') {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let frac: f64 = text
        .get(19..text.len() - 1)
        .filter(|f| !f.is_empty())
        .map_or(Some(0.0), |f| format!("0{f}").parse().ok())?;
    Some((crate::time::days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s) as f64 + frac)
}

/// The start of a run, from its id (`20261126-043800-PID`, UTC).
pub fn run_start(run_id: &str) -> Option<f64> {
    let t = run_id.get(0..15)?;
    parse_rfc3339(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        t.get(0..4)?,
        t.get(4..6)?,
        t.get(6..8)?,
        t.get(9..11)?,
        t.get(11..13)?,
        t.get(13..15)?
    ))
}

/// What one pair log says: each phase's span, and the last line each step printed.
#[derive(Debug, Default)]
pub struct LogFacts {
    pub spans: Vec<(String, f64, f64, bool)>,
    pub last_output: BTreeMap<String, String>,
}

pub fn read_log(text: &str) -> LogFacts {
    let mut facts = LogFacts::default();
    let mut open: BTreeMap<String, f64> = BTreeMap::new();
    for line in text.lines() {
        let Some((ts, rest)) = line.split_once(' ') else { continue };
        let Some(at) = parse_rfc3339(ts) else { continue };
        if let Some(step) = rest.strip_prefix("== ") {
            if let Some((phase, _)) = step.split_once('/') {
                open.entry(phase.to_string()).or_insert(at);
            }
        } else if let Some(phase_line) = rest.strip_prefix("phase ") {
            let (phase, how) = phase_line.rsplit_once(' ').unwrap_or((phase_line, ""));
            let start = open.remove(phase).unwrap_or(at);
            facts.spans.push((phase.to_string(), start, at, how == "completed"));
        } else if let Some(out) = rest.strip_prefix('[')
            && let Some((step, line)) = out.split_once("] out| ")
        {
            facts.last_output.insert(step.to_string(), line.to_string());
        }
    }
    // A phase stopped by a failed step has no `phase ... failed` line when the pair stopped.
    let last = text.lines().last().and_then(|l| parse_rfc3339(l.split(' ').next()?));
    for (phase, start) in open {
        facts.spans.push((phase, start, last.unwrap_or(start), false));
    }
    facts
}

/// Read every run directory under `runs` (oldest first), or only `only`.
pub fn read_runs(runs: &Path, only: Option<&str>) -> Result<Vec<Run>, String> {
    let mut ids: Vec<String> = match std::fs::read_dir(runs) {
        Ok(rd) => rd
            .flatten()
            .filter(|e| e.path().join("summary.json").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(format!("cannot read the runs directory {}: {e}", runs.display())),
    };
    if let Some(id) = only {
        if !ids.iter().any(|i| i == id) {
            return Err(format!("no run `{id}` in {} (no {id}/summary.json there)", runs.display()));
        }
        ids = vec![id.to_string()];
    }
    ids.sort();
    ids.iter().map(|id| read_run(&runs.join(id))).collect()
}

fn read_run(dir: &Path) -> Result<Run, String> {
    let path = dir.join("summary.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let summary: RunSummary = serde_json::from_str(&text)
        .map_err(|e| format!("{}:{}:{}: not a run summary: {e}", path.display(), e.line(), e.column()))?;
    let logs = summary
        .pairs
        .iter()
        .filter_map(|p| {
            Some((p.pair.clone(), std::fs::read_to_string(dir.join(format!("{}.log", p.pair))).ok()?))
        })
        .collect();
    Ok(Run { summary, logs })
}

/// Everything the report needs about one pair besides the runs.
pub struct PairInput<'a> {
    pub name: &'a str,
    pub display_name: Option<&'a str>,
    pub wave: u32,
    pub origin: &'a str,
    pub target: &'a str,
    pub journal: &'a PairJournal,
    /// Which phases are the syncs and which records bound the downtime (role.yml's `journal:`).
    pub journal_spec: &'a JournalSpec,
    pub role_phases: &'a [&'a str],
    /// Check label -> the step that makes it (to find what it printed).
    pub check_steps: &'a BTreeMap<String, String>,
    pub masker: &'a Masker,
    /// `-i INV` and the options a retry needs, as the operator wrote them.
    pub inventory_arg: &'a str,
    pub retry_extra: &'a [String],
}

/// Build one pair's view from its journal and the runs.
pub fn pair_view(input: &PairInput, runs: &[Run]) -> PairView {
    let j = input.journal;
    let mut view = PairView {
        name: input.name.into(),
        display_name: input.display_name.map(String::from),
        wave: input.wave,
        origin: input.origin.into(),
        target: input.target.into(),
        reached: j.reached(input.role_phases).map(String::from),
        migrated: input.role_phases.last().is_some_and(|last| j.reached(input.role_phases) == Some(*last)),
        status: j.last_status.map(|s| s.as_str().to_string()),
        phases_done: j.phases.iter().map(|(p, r)| (p.clone(), r.completed_at)).collect(),
        downtime: input.journal_spec.downtime_bounds(&j.records),
        point_of_no_return: j.point_of_no_return.as_ref().map(|p| (p.at, p.step.clone())),
        verified: verified(&j.values),
        method: input
            .journal_spec
            .method
            .as_ref()
            .zip(input.journal_spec.method_label(&j.values))
            .map(|(m, label)| (m.title.clone(), label.to_string())),
        final_sync_done: input
            .journal_spec
            .final_sync
            .as_ref()
            .and_then(|p| j.phases.get(p))
            .map(|r| r.completed_at),
        ..Default::default()
    };
    view.phases_done.sort_by(|a, b| a.1.total_cmp(&b.1));
    for run in runs {
        if let Some(p) = run.summary.pairs.iter().find(|p| p.pair == input.name) {
            add_run(&mut view, input, run, p);
        }
    }
    add_journal_syncs(&mut view, j);
    mask_view(&mut view, input.masker);
    view
}

fn add_run(view: &mut PairView, input: &PairInput, run: &Run, p: &PairSummary) {
    let id = &run.summary.run_id;
    let facts = run.logs.get(&p.pair).map(|l| read_log(l)).unwrap_or_default();
    let start_of = |phase: &str| {
        facts.spans.iter().find(|s| s.0 == phase).map(|s| s.1).or_else(|| run_start(id)).unwrap_or(0.0)
    };
    view.spans.extend(facts.spans.iter().map(|(phase, start, end, ok)| PhaseSpan {
        run_id: id.clone(),
        phase: phase.clone(),
        start: *start,
        end: *end,
        ok: *ok,
        sync: input.journal_spec.sync_kind(phase),
    }));
    for (phase, t) in &p.transfers {
        let sync = Sync {
            run_id: id.clone(),
            at: start_of(phase),
            secs: t.secs,
            bytes: t.stats.bytes_transferred,
            files: t.stats.files_transferred,
        };
        match input.journal_spec.sync_kind(phase) {
            Some(SyncKind::Repeatable) => view.hot_syncs.push(sync),
            Some(SyncKind::Final) => view.cold_sync = Some(sync),
            None => {}
        }
    }
    view.verdicts.extend(p.checks.iter().map(|c| Verdict {
        run_id: id.clone(),
        phase: c.phase.clone(),
        label: c.label.clone(),
        result: c.result.clone(),
        message: c.message.clone().or_else(|| {
            let step = input.check_steps.get(&c.label)?;
            facts.last_output.get(step).cloned()
        }),
    }));
    view.warnings.extend(p.warnings.iter().map(|w| (id.clone(), w.clone())));
    view.manual = p
        .manual
        .iter()
        .map(|m| Manual {
            run_id: id.clone(),
            text: m.text().to_string(),
            who: who(m.text()),
            from: m.from(),
        })
        .collect();
    view.status = Some(p.status.as_str().to_string());
    view.failure = (!p.status.succeeded()).then(|| Failure {
        run_id: id.clone(),
        status: p.status.as_str().to_string(),
        step: p.failed_step.clone(),
        message: p.message.clone(),
        tail: p.tail.clone(),
        rollback: p.rollback.as_ref().map(|r| format!("{}{}", if r.ok { "" } else { "FAILED: " }, r.message)),
        rollback_ok: p.rollback.as_ref().map(|r| r.ok),
        retry: retry_command(input.inventory_arg, input.retry_extra, &run.summary.phases, &p.pair),
    });
}

/// Hot syncs the journal knows and no run directory shows (a run directory deleted).
fn add_journal_syncs(view: &mut PairView, j: &PairJournal) {
    for h in [&j.previous_sync, &j.last_sync].into_iter().flatten() {
        if !view.hot_syncs.iter().any(|s| s.run_id == h.run_id) {
            view.hot_syncs.push(Sync {
                run_id: h.run_id.clone(),
                at: h.at - h.transfer.secs,
                secs: h.transfer.secs,
                bytes: h.transfer.stats.bytes_transferred,
                files: h.transfer.stats.files_transferred,
            });
        }
    }
    if view.cold_sync.is_none()
        && let Some(c) = &j.final_sync
    {
        view.cold_sync = Some(Sync {
            run_id: c.run_id.clone(),
            at: c.at - c.transfer.secs,
            secs: c.transfer.secs,
            bytes: c.transfer.stats.bytes_transferred,
            files: c.transfer.stats.files_transferred,
        });
    }
    view.hot_syncs.sort_by(|a, b| a.at.total_cmp(&b.at));
}

/// Every text that came from a host or the inventory, masked again with this pair's secrets.
fn mask_view(view: &mut PairView, masker: &Masker) {
    let m = |s: &mut String| *s = masker.mask(s).into_owned();
    view.verdicts.iter_mut().filter_map(|v| v.message.as_mut()).for_each(m);
    view.manual.iter_mut().for_each(|x| m(&mut x.text));
    view.manual.iter_mut().for_each(|x| m(&mut x.from));
    view.warnings.iter_mut().for_each(|w| m(&mut w.1));
    if let Some(f) = &mut view.failure {
        f.message.iter_mut().for_each(m);
        f.tail.iter_mut().for_each(m);
        f.rollback.iter_mut().for_each(m);
        m(&mut f.retry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_and_run_ids_parse() {
        assert_eq!(parse_rfc3339("1970-01-02T00:00:01.500Z"), Some(86_401.5));
        assert_eq!(parse_rfc3339("2026-11-26T04:38:00Z"), run_start("20261126-043800-42"));
        assert_eq!(parse_rfc3339("garbage"), None);
        assert_eq!(run_start("nope"), None);
    }

    #[test]
    fn log_gives_phase_spans_and_last_output() {
        let log = "2026-11-26T01:00:00.000Z == hot-sync/rsync cyrus on t01 (attempt 1)\n\
                   2026-11-26T01:00:01.000Z [rsync cyrus] out| sent 10 bytes\n\
                   2026-11-26T01:00:09.000Z phase hot-sync completed\n\
                   2026-11-26T01:00:10.000Z == cold-sync/stop on t01 (attempt 1)\n\
                   2026-11-26T01:00:12.000Z pair failed: x\n";
        let facts = read_log(log);
        let base = parse_rfc3339("2026-11-26T01:00:00.000Z").unwrap();
        assert_eq!(facts.spans[0], ("hot-sync".into(), base, base + 9.0, true));
        assert_eq!(facts.spans[1], ("cold-sync".into(), base + 10.0, base + 12.0, false));
        assert_eq!(facts.last_output["rsync cyrus"], "sent 10 bytes");
    }

    #[test]
    fn retry_commands_are_shell_words() {
        let phases = vec!["cold-sync".to_string()];
        assert_eq!(
            retry_command("my inv.yml", &[], &phases, "p1"),
            "bmfleet cold-sync -i 'my inv.yml' --limit p1"
        );
        assert_eq!(
            retry_command("i.yml", &[], &["a".into(), "b".into()], "p1"),
            "bmfleet migrate -i i.yml --limit p1"
        );
        assert_eq!(who("set \"My networks\": Admin console > System"), "BlueMind administrator");
        assert_eq!(who("switch DNS or addresses of o1"), "network / DNS administrator");
    }
}

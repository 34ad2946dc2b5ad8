//! `role.yml` exactly as written. See docs/roles.md, "Roles and steps", for the meaning of each key
//! (its step-key table is tested against `RawStep` below: a key without a row fails `cargo test`).

use std::collections::HashMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRole {
    #[serde(default)]
    pub name: Option<String>,
    /// For the reader of role.yml; the engine shows none (accepted so that roles may say it).
    #[serde(default)]
    #[allow(dead_code, reason = "read by people, not by bmfleet")]
    pub description: Option<String>,
    /// Variable names whose values are masked in every output, beyond the default suffixes.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Default timeout of the role's steps (a step's own `timeout:` wins).
    #[serde(default)]
    pub timeout: Option<Spanned<String>>,
    #[serde(default)]
    pub defaults: HashMap<Spanned<String>, Spanned<crate::inventory::located::Located>>,
    /// What the role accepts in its variables, checked before anything connects (`vars.rs`).
    #[serde(default)]
    pub vars: HashMap<Spanned<String>, Spanned<super::vars::VarSpec>>,
    /// What the journal keeps beyond completed phases (see `journal.rs`): the engine knows no
    /// phase by name, the role says which one is its repeatable sync.
    #[serde(default)]
    pub journal: Option<Spanned<RawJournal>>,
    pub phases: Vec<Spanned<RawPhase>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJournal {
    /// The phase run again and again before the downtime (its last two transfers are kept,
    /// `status` shows its age and staleness, a stop part-way is recorded as partial).
    #[serde(default)]
    pub repeatable_sync: Option<Spanned<String>>,
    /// The phase whose transfer is the last one; once it completed, nothing is stale.
    #[serde(default)]
    pub final_sync: Option<Spanned<String>>,
    /// The `record:` names of the steps where the downtime starts and ends.
    #[serde(default)]
    pub downtime: Option<RawDowntime>,
    /// The `record_value:` name of the step that measures the databases' size in bytes
    /// (`status` predicts the downtime's dump/transfer/restore chain from it).
    #[serde(default)]
    pub databases_bytes: Option<Spanned<String>>,
    /// The `record_value:` name of the step that times, in ms, the count the freeze's check makes
    /// on the origin (`status` predicts the check's part of the downtime from it).
    #[serde(default)]
    pub freeze_check_ms: Option<Spanned<String>>,
    /// When the final sync sends change lists instead of walking: a role variable and the value
    /// that means lists (`status` predicts a scan of changes, else a walk).
    #[serde(default)]
    pub final_sync_lists: Option<RawVarEquals>,
    /// When the final sync passes over the spools once while the origin still serves, right
    /// before the freeze (a role variable and the value that means it): `status` then predicts a
    /// freeze that sends what changed during that pass, not since the last repeatable sync.
    #[serde(default)]
    pub warm_pass: Option<RawVarEquals>,
    /// A choice a step records as a number (`record_value:`), shown by `status` as a column and
    /// by the report as a card: its title and a label per value (BlueMind's database method).
    #[serde(default)]
    pub method: Option<RawMethod>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMethod {
    pub value: Spanned<String>,
    pub title: Spanned<String>,
    pub labels: Spanned<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVarEquals {
    pub var: Spanned<String>,
    pub equals: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDowntime {
    pub start: Spanned<String>,
    pub end: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPhase {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// Phases that must have completed on a pair (per the journal) before this one may run.
    #[serde(default)]
    pub requires: Vec<Spanned<String>>,
    /// Phases this one undoes: completing it marks them not completed in the journal
    /// (revoking the trust undoes the trust).
    #[serde(default)]
    pub resets: Vec<Spanned<String>>,
    /// A question the operator must answer `yes` to (or pass `--yes`) before the phase starts.
    #[serde(default)]
    pub confirm: Option<String>,
    /// The phase run for a pair whose run fails, stops or loses a host from the moment it
    /// starts this phase until a `point_of_no_return` step starts (see `exec/arming.rs`).
    #[serde(default)]
    pub rollback: Option<Spanned<String>>,
    /// Not part of `migrate`'s sequence: run only by its own command (a rollback).
    #[serde(default)]
    pub standalone: bool,
    /// Its command is refused without `--limit`: the operator names the pairs it runs on.
    #[serde(default)]
    pub needs_limit: bool,
    /// It stops services: a run of it on more than one wave without `--limit` is refused
    /// unless `--yes` says so.
    #[serde(default)]
    pub stops_services: bool,
    /// `refuse`: once a pair passed its point of no return (journal), the phase refuses it,
    /// whatever `--force` says (only the per-pair override lifts it). Default `allow`.
    #[serde(default)]
    pub after_point_of_no_return: Option<AfterPointOfNoReturn>,
    /// Said in the summary of a pair when the phase completed as its rollback.
    #[serde(default)]
    pub message: Option<String>,
    /// Its steps change nothing on the hosts: its command takes no lock on the targets.
    #[serde(default)]
    pub read_only: bool,
    /// Run first by every phase command's `--check` (BlueMind: the preflight, the check of
    /// every phase).
    #[serde(default)]
    pub precheck: bool,
    /// May run unattended (`bmfleet schedule install`), and why: said to whoever asks for
    /// another phase.
    #[serde(default)]
    pub schedule: Option<String>,
    /// Run by another phase's command with a flag (`bmfleet trust --revoke`) rather than its own
    /// name only.
    #[serde(default)]
    pub flag_of: Option<RawFlagOf>,
    pub steps: Vec<Spanned<RawStep>>,
}

/// `flag_of: { phase: trust, flag: revoke }`: `bmfleet trust --revoke` runs this phase.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFlagOf {
    pub phase: Spanned<String>,
    pub flag: Spanned<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AfterPointOfNoReturn {
    #[default]
    Allow,
    Refuse,
}

/// The host a step runs on (`on:`): one side of the pair (`inventory::Side`) or the controller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepHost {
    Origin,
    Target,
    Controller,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputParser {
    Rsync,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Count {
    Number(u32),
    Var(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAssert {
    /// One expression or a list; every one must be true.
    pub that: Spanned<OneOrMany>,
    /// Shown when the assertion fails (a template, rendered without shell quoting).
    pub message: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub name: Spanned<String>,
    #[serde(default)]
    pub on: Option<StepHost>,
    /// The shell to run, as an inline template...
    #[serde(default)]
    pub run: Option<Spanned<String>>,
    /// ...or as a template file, relative to the role directory.
    #[serde(default)]
    pub template: Option<Spanned<String>>,
    #[serde(default)]
    pub ok_codes: Option<Vec<i32>>,
    #[serde(default)]
    pub warn_codes: Option<Vec<i32>>,
    #[serde(default)]
    pub timeout: Option<Spanned<String>>,
    #[serde(default)]
    pub retries: Option<u32>,
    #[serde(default)]
    pub retry_delay: Option<Spanned<String>>,
    #[serde(default)]
    pub when: Option<Spanned<String>>,
    #[serde(default)]
    pub register: Option<Spanned<String>>,
    #[serde(default)]
    pub assert: Option<RawAssert>,
    #[serde(default)]
    pub parallel: Option<String>,
    #[serde(default)]
    pub max_parallel: Option<Spanned<Count>>,
    /// Steps of the same parallel group this one waits for (all their loop items).
    #[serde(default)]
    pub after: Vec<Spanned<String>>,
    #[serde(default)]
    pub probe: bool,
    #[serde(default, rename = "loop")]
    pub loop_over: Option<Spanned<String>>,
    #[serde(default)]
    pub check: Option<String>,
    #[serde(default)]
    pub progress: Option<OutputParser>,
    #[serde(default)]
    pub stats: Option<OutputParser>,
    #[serde(default)]
    pub record: Option<String>,
    /// Keep the number the step prints (its last stdout line, an unsigned integer) in the
    /// pair's journal under this name (`PairJournal::values`).
    #[serde(default)]
    pub record_value: Option<Spanned<String>>,
    /// When this step starts, the pair's rollback is disarmed for good (the target takes the
    /// origin's address or starts serving): recorded in the journal.
    #[serde(default)]
    pub point_of_no_return: bool,
    /// Its `BMFLEET-MANUAL:` lines, on its own host's stdout, are actions left to the operator.
    /// From any other step they are output: a host's text is never an instruction unless the
    /// role says this step gives them (issue #27).
    #[serde(default)]
    pub manual_actions: Option<Spanned<bool>>,
}

#[cfg(test)]
mod tests {
    use crate::keys_tests::keys_of;

    /// The keys named (in backquotes) in the first column of docs/roles.md's table headed `header`.
    fn documented_keys(header: &str) -> Vec<String> {
        let page = include_str!("../../docs/roles.md");
        let rows = page
            .lines()
            .skip_while(|l| !l.starts_with(&format!("| {header} |")))
            .skip(2)
            .take_while(|l| l.starts_with('|'));
        let mut keys = Vec::new();
        for row in rows {
            let first = row.split('|').nth(1).unwrap_or_default();
            keys.extend(first.split('`').skip(1).step_by(2).map(str::to_string));
        }
        keys
    }

    /// docs/roles.md's step-key table cannot drift from `RawStep`: a key a step takes without a
    /// row, or a row for a key no step takes, fails here.
    #[test]
    fn docs_roles_has_one_row_for_every_step_key() {
        let keys = keys_of::<super::RawStep>();
        assert!(keys.len() > 20, "the step's keys, read from serde: {keys:?}");
        let documented = documented_keys("step key");
        let missing: Vec<&&str> = keys.iter().filter(|k| !documented.iter().any(|d| d == *k)).collect();
        assert!(missing.is_empty(), "step keys without a row in docs/roles.md's step-key table: {missing:?}");
        let stale: Vec<&String> = documented.iter().filter(|d| !keys.contains(&d.as_str())).collect();
        assert!(stale.is_empty(), "rows of docs/roles.md's step-key table for no step key: {stale:?}");
    }
}

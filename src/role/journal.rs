//! What a role declares its journal keeps beyond completed phases (`role.yml`'s `journal:`):
//! which phase is the repeatable sync whose history and staleness `bmfleet status` shows, which
//! is the final sync, and which `record:` names bound the downtime. The engine (journal, status,
//! report) asks this instead of knowing the BlueMind phase names: renaming `hot-sync` in
//! `role.yml` renames it here too, and a name that is no phase is refused at load.

use std::collections::BTreeMap;

/// The role's `journal:` section, checked against its phases and steps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalSpec {
    /// The phase repeated before the downtime (BlueMind's `hot-sync`).
    pub repeatable_sync: Option<String>,
    /// The phase with the last transfer (BlueMind's `cold-sync`).
    pub final_sync: Option<String>,
    /// `record:` names where the downtime starts and ends.
    pub downtime: Option<Downtime>,
    /// The `record_value:` name holding the databases' size in bytes.
    pub databases_bytes: Option<String>,
    /// The `record_value:` name holding how long, in ms, the origin took to count what the
    /// freeze's check counts (rows of every table, entries of every spool) at the last sync.
    pub freeze_check_ms: Option<String>,
    /// The role variable, and its value, under which the final sync sends change lists rather
    /// than walking (BlueMind's `final_rsync: changes`); undeclared: it walks.
    pub final_sync_lists: Option<VarEquals>,
    /// The role variable, and its value, under which the final sync makes a warm pass while the
    /// origin serves (BlueMind's `warm_pass: true`); undeclared: none.
    pub warm_pass: Option<VarEquals>,
    /// A choice a step records as a number, shown by `status` and the report (BlueMind's way
    /// the databases travel: `dump`, `physical` or `logical`).
    pub method: Option<Method>,
}

/// `journal: method:` the `record_value:` name, its title and a label per recorded number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    pub value: String,
    pub title: String,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarEquals {
    pub var: String,
    pub equals: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downtime {
    pub start: String,
    pub end: String,
}

/// What the journal does with a phase's transfer (see `JournalSpec::sync_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncKind {
    Repeatable,
    Final,
}

impl JournalSpec {
    /// Whether `phase` is the repeatable or the final sync, or neither.
    pub fn sync_kind(&self, phase: &str) -> Option<SyncKind> {
        if self.repeatable_sync.as_deref() == Some(phase) {
            Some(SyncKind::Repeatable)
        } else if self.final_sync.as_deref() == Some(phase) {
            Some(SyncKind::Final)
        } else {
            None
        }
    }

    /// Whether `step` (a `phase/step` reference) is a step of the repeatable sync.
    pub fn in_repeatable_sync(&self, step: &str) -> bool {
        self.repeatable_sync.as_deref().is_some_and(|p| step.split_once('/').is_some_and(|(s, _)| s == p))
    }

    /// When the downtime started and ended, when both records are there and in order.
    pub fn downtime_bounds(&self, records: &BTreeMap<String, f64>) -> Option<(f64, f64)> {
        let d = self.downtime.as_ref()?;
        let (&start, &end) = (records.get(&d.start)?, records.get(&d.end)?);
        (end >= start).then_some((start, end))
    }

    /// The downtime measured between the two records (see `downtime_bounds`).
    pub fn downtime_secs(&self, records: &BTreeMap<String, f64>) -> Option<f64> {
        self.downtime_bounds(records).map(|(start, end)| end - start)
    }

    /// The databases' size in bytes, when a step recorded it (`values`: the journal's).
    pub fn databases_bytes(&self, values: &BTreeMap<String, u64>) -> Option<u64> {
        values.get(self.databases_bytes.as_deref()?).copied()
    }

    /// The freeze's count on the origin, in seconds, when a step timed it (`values`: the journal's).
    pub fn freeze_check_secs(&self, values: &BTreeMap<String, u64>) -> Option<f64> {
        values.get(self.freeze_check_ms.as_deref()?).map(|&ms| ms as f64 / 1000.0)
    }

    /// Whether a pair with these variables gets change lists at its final sync (see
    /// `final_sync_lists`). A value that is not a string never matches: it walks.
    pub fn final_sync_sends_lists<'a>(
        &self,
        value_of: impl FnOnce(&str) -> Option<&'a serde_json::Value>,
    ) -> bool {
        self.final_sync_lists
            .as_ref()
            .is_some_and(|l| value_of(&l.var).and_then(|v| v.as_str()) == Some(l.equals.as_str()))
    }

    /// Whether a pair with these variables gets a warm pass before its freeze (see `warm_pass`):
    /// the variable's value as written (a string) or as its scalar (`true`).
    pub fn final_sync_warms<'a>(&self, value_of: impl FnOnce(&str) -> Option<&'a serde_json::Value>) -> bool {
        self.warm_pass.as_ref().is_some_and(|w| {
            value_of(&w.var)
                .is_some_and(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string) == w.equals)
        })
    }

    /// The method's label as a pair's journal recorded it (see `method`); None while nothing is
    /// recorded, `?` for a number without a label (recorded by another version of the role).
    pub fn method_label(&self, values: &BTreeMap<String, u64>) -> Option<&str> {
        let m = self.method.as_ref()?;
        let n = usize::try_from(*values.get(&m.value)?).ok();
        Some(n.and_then(|n| m.labels.get(n)).map_or("?", String::as_str))
    }

    /// The repeatable sync's name as a column header: `hot-sync` reads `HOT SYNC`.
    pub fn repeatable_sync_title(&self) -> Option<String> {
        self.repeatable_sync.as_ref().map(|p| p.replace('-', " ").to_uppercase())
    }
}

/// The BlueMind role's `journal:` (roles/bluemind/role.yml), for the tests of what reads it.
#[cfg(test)]
pub(crate) fn bluemind_for_tests() -> JournalSpec {
    JournalSpec {
        repeatable_sync: Some("hot-sync".into()),
        final_sync: Some("cold-sync".into()),
        downtime: Some(Downtime { start: "downtime_start".into(), end: "downtime_end".into() }),
        databases_bytes: Some("databases_bytes".into()),
        freeze_check_ms: Some("freeze_check_ms".into()),
        final_sync_lists: Some(VarEquals { var: "final_rsync".into(), equals: "changes".into() }),
        warm_pass: Some(VarEquals { var: "warm_pass".into(), equals: "true".into() }),
        method: Some(Method {
            value: "db_sync_method".into(),
            title: "databases".into(),
            labels: vec!["dump".into(), "physical".into(), "logical".into()],
        }),
    }
}

#[cfg(test)]
mod tests {
    /// The method's label is the one of the number recorded; nothing recorded shows nothing, a
    /// number beyond the labels (another version of the role) shows `?`, never another label.
    #[test]
    fn the_method_reads_the_label_of_the_number_recorded() {
        let spec = bluemind_for_tests();
        let at = |n: u64| {
            spec.method_label(&BTreeMap::from([("db_sync_method".to_string(), n)])).map(String::from)
        };
        assert_eq!(at(0).as_deref(), Some("dump"));
        assert_eq!(at(2).as_deref(), Some("logical"));
        assert_eq!(at(7).as_deref(), Some("?"));
        assert_eq!(spec.method_label(&BTreeMap::new()), None);
        assert_eq!(
            JournalSpec::default().method_label(&BTreeMap::from([("db_sync_method".into(), 1)])),
            None
        );
    }
    use super::*;

    fn bluemind() -> JournalSpec {
        bluemind_for_tests()
    }

    #[test]
    fn phases_are_known_by_the_declaration_only() {
        let j = bluemind();
        assert_eq!(j.sync_kind("hot-sync"), Some(SyncKind::Repeatable));
        assert_eq!(j.sync_kind("cold-sync"), Some(SyncKind::Final));
        assert_eq!(j.sync_kind("trust"), None);
        assert!(j.in_repeatable_sync("hot-sync/rsync cyrus"));
        assert!(!j.in_repeatable_sync("hot-sync-extra/rsync"));
        assert!(!j.in_repeatable_sync("cold-sync/rsync"));
        let none = JournalSpec::default();
        assert_eq!(none.sync_kind("hot-sync"), None);
        assert!(!none.in_repeatable_sync("hot-sync/x"));
        assert_eq!(j.repeatable_sync_title().as_deref(), Some("HOT SYNC"));
    }

    #[test]
    fn downtime_is_measured_between_the_declared_records() {
        let j = bluemind();
        let mut records = BTreeMap::new();
        records.insert("downtime_start".to_string(), 10.0);
        assert_eq!(j.downtime_secs(&records), None);
        records.insert("downtime_end".to_string(), 12.5);
        assert_eq!(j.downtime_secs(&records), Some(2.5));
        assert_eq!(j.downtime_bounds(&records), Some((10.0, 12.5)));
        records.insert("downtime_start".to_string(), 20.0);
        assert_eq!(j.downtime_secs(&records), None, "an end before the start is no downtime");
        assert_eq!(JournalSpec::default().downtime_secs(&records), None);
    }

    #[test]
    fn the_databases_size_is_the_value_the_role_names() {
        let j = bluemind();
        let mut values = BTreeMap::new();
        assert_eq!(j.databases_bytes(&values), None);
        values.insert("other".to_string(), 7);
        assert_eq!(j.databases_bytes(&values), None);
        values.insert("databases_bytes".to_string(), 123_456);
        assert_eq!(j.databases_bytes(&values), Some(123_456));
        assert_eq!(JournalSpec::default().databases_bytes(&values), None, "undeclared: unknown");
    }

    #[test]
    fn the_final_sync_sends_lists_only_under_the_declared_value() {
        let j = bluemind();
        let changes = serde_json::json!("changes");
        let full = serde_json::json!("full");
        let number = serde_json::json!(1);
        assert!(j.final_sync_sends_lists(|v| (v == "final_rsync").then_some(&changes)));
        assert!(!j.final_sync_sends_lists(|v| (v == "final_rsync").then_some(&full)));
        assert!(!j.final_sync_sends_lists(|v| (v == "final_rsync").then_some(&number)));
        assert!(!j.final_sync_sends_lists(|_| None), "the variable unset: a walk");
        assert!(!JournalSpec::default().final_sync_sends_lists(|_| Some(&changes)), "undeclared: a walk");
    }
}

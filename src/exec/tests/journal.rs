//! Where the run meets the journal (issue #27): a record that cannot be written is said, never
//! dropped, and a point of no return is never passed where it cannot be recorded.

use std::path::Path;
use std::sync::Arc;

use super::*;
use crate::inventory::Pair;
use crate::journal::{Journal, JournalHooks};

/// The journal's own hooks, whose file for `pair` turns into a directory (a journal that can
/// no longer be read nor written, as on a full or failing disk) once phase `after` completed.
struct BreaksAfter {
    hooks: JournalHooks,
    dir: std::path::PathBuf,
    pair: &'static str,
    after: &'static str,
}

impl BreaksAfter {
    fn new(dir: &Path, role_yml: &str, pair: &'static str, after: &'static str) -> BreaksAfter {
        let role_dir = dir.join("role");
        std::fs::create_dir_all(&role_dir).unwrap();
        std::fs::write(role_dir.join("role.yml"), role_yml).unwrap();
        let hooks = JournalHooks {
            journal: Arc::new(Journal::open(&dir.join("state")).unwrap()),
            role: Arc::new(crate::role::load(&role_dir).unwrap()),
            run_id: "r1".into(),
            force: true,
            overrides: Vec::new(),
        };
        BreaksAfter { hooks, dir: dir.join("state/pairs"), pair, after }
    }
}

impl Hooks for BreaksAfter {
    fn pair_starting(&self, pair: &Pair, phases: &[String]) -> Result<(), (PairStatus, String)> {
        self.hooks.pair_starting(pair, phases)
    }
    fn phase_finished(&self, pair: &Pair, phase: &str, report: &PairReport) -> Result<(), String> {
        let written = self.hooks.phase_finished(pair, phase, report);
        if pair.name == self.pair && phase == self.after {
            let file = self.dir.join(format!("{}.json", self.pair));
            std::fs::remove_file(&file).unwrap();
            std::fs::create_dir(&file).unwrap();
        }
        written
    }
    fn pair_finished(&self, pair: &Pair, report: &PairReport) -> Result<(), String> {
        self.hooks.pair_finished(pair, report)
    }
    fn history(&self, pair: &Pair) -> History {
        self.hooks.history(pair)
    }
    fn point_of_no_return_recordable(&self, pair: &Pair, step: &str) -> Result<(), String> {
        self.hooks.point_of_no_return_recordable(pair, step)
    }
    fn point_of_no_return(&self, pair: &Pair, step: &str) -> Result<(), String> {
        self.hooks.point_of_no_return(pair, step)
    }
    fn value_recorded(&self, pair: &Pair, name: &str, value: u64) -> Result<(), String> {
        self.hooks.value_recorded(pair, name, value)
    }
}

const COLD: &str = r#"
  - name: p
    steps:
      - { name: prepare, on: target, run: "out prepared" }
  - name: cold
    rollback: rb
    steps:
      - { name: early, on: target, run: "out early" }
      - { name: swap, on: target, point_of_no_return: true, run: "out swap" }
  - name: rb
    standalone: true
    steps:
      - { name: undo, on: origin, run: "out undo" }
"#;

/// Pair a's journal breaks after its phase p: its point-of-no-return step never starts (the
/// pair rolls back, before its point), and every record the journal then misses is said, in an
/// event, in the pair's report and in the exit code. The other pairs pass their point.
#[tokio::test]
async fn a_point_of_no_return_that_cannot_be_recorded_is_never_started() {
    let dir = tempfile::tempdir().unwrap();
    let role = role_of(COLD);
    let hooks = Arc::new(BreaksAfter::new(dir.path(), &role, "a", "p"));
    let mut run = Run::new(&role).phases(&["p", "cold"]);
    run.hooks = hooks.clone();
    let out = run.go().await;

    let swapped: Vec<String> = out.log.ran("out swap").into_iter().map(|s| s.host).collect();
    assert!(!swapped.contains(&"ta".to_string()), "the step never started on a's target: {swapped:?}");
    assert!(swapped.contains(&"tb".to_string()), "{swapped:?}");
    let a = out.pair("a");
    assert_eq!(a.status, PairStatus::Failed);
    assert_eq!(a.failed_step.as_deref(), Some("cold/swap"));
    let message = a.message.as_deref().unwrap_or_default();
    assert!(message.contains("not started: the journal could not record"), "{message}");
    assert!(message.contains("a.json"), "it names the file: {message}");
    assert_eq!(a.point_of_no_return, None);
    assert!(a.rollback.as_ref().is_some_and(|r| r.ok), "before its point, the pair rolls back: {a:?}");

    // What the broken journal then missed: the rollback's completion, how the run ended.
    assert_eq!(a.journal_not_written.len(), 2, "{:?}", a.journal_not_written);
    assert!(a.journal_not_written[0].contains("that phase rb completed"), "{:?}", a.journal_not_written);
    let said =
        out.events.iter().filter(|e| matches!(e, Event::JournalNotWritten { pair, .. } if pair == "a"));
    assert_eq!(said.count(), 2, "each said as it happened");
    assert_eq!(out.report.journal_not_written(), ["a"]);
    assert_eq!(out.report.exit_code(), crate::error::exit::INTERNAL, "above the failed pair's 3");

    let b = hooks.hooks.journal.try_read("b").unwrap();
    assert_eq!(b.point_of_no_return.map(|p| p.step).as_deref(), Some("cold/swap"));
    assert!(out.pair("b").journal_not_written.is_empty());
}

/// A journal that works says nothing, and the exit code is the pairs' own.
#[tokio::test]
async fn a_journal_that_records_everything_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let role = role_of(COLD);
    let hooks = Arc::new(BreaksAfter::new(dir.path(), &role, "nobody", "p"));
    let mut run = Run::new(&role).phases(&["p", "cold"]);
    run.hooks = hooks.clone();
    let out = run.go().await;
    assert_eq!(out.report.exit_code(), 0, "{:?}", out.report.pairs);
    assert!(!out.events.iter().any(|e| matches!(e, Event::JournalNotWritten { .. })));
    for pair in ["a", "b", "c", "d"] {
        let j = hooks.hooks.journal.try_read(pair).unwrap();
        assert!(j.phases.contains_key("cold") && j.point_of_no_return.is_some(), "{j:?}");
    }
}

use std::collections::BTreeMap;

use super::*;
use crate::exec::Hooks;
use crate::inventory::Pair;
use crate::outcome::{PairReport, PairStatus};
use crate::role::journal::JournalSpec;

#[test]
fn updates_are_atomic_and_readable() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path()).unwrap();
    journal
        .update("acme", |j| {
            j.phases.insert("preflight".into(), PhaseRecord { completed_at: 1.0, run_id: "r1".into() });
            j.records.insert("downtime_start".into(), 10.0);
            j.records.insert("downtime_end".into(), 12.5);
        })
        .unwrap();
    let j = journal.read("acme");
    assert_eq!(j.reached(&["preflight", "trust"]), Some("preflight"));
    let spec = JournalSpec {
        downtime: Some(crate::role::journal::Downtime {
            start: "downtime_start".into(),
            end: "downtime_end".into(),
        }),
        ..Default::default()
    };
    assert_eq!(j.downtime(&spec), Some(2.5));
    assert_eq!(j.downtime(&JournalSpec::default()), None, "a role that declares no downtime");
    let names: Vec<String> = dir
        .path()
        .join("pairs")
        .read_dir()
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["acme.json"], "no temporary file left behind");
}

#[test]
fn an_unreadable_file_is_kept_aside_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path()).unwrap();
    for (name, content) in [("acme", &b"{ not json"[..]), ("globex", &b"{\"pair\": \"g\xff\"}"[..])] {
        let path = dir.path().join(format!("pairs/{name}.json"));
        std::fs::write(&path, content).unwrap();
        let message = journal.try_read(name).unwrap_err();
        assert!(message.contains(&path.display().to_string()) && message.contains("repair"), "{message}");
        assert!(
            journal
                .update(name, |j| {
                    j.records.insert("x".into(), 1.0);
                })
                .is_err()
        );
        assert_eq!(std::fs::read(&path).unwrap(), content, "never overwritten");
        let asides = std::fs::read_dir(dir.path().join("pairs"))
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("{name}.json.unreadable-")))
            .count();
        assert_eq!(asides, 1, "one copy aside, however often it is read");
    }
    assert_eq!(journal.try_read("absent").unwrap().phases.len(), 0);
}

fn hooks(dir: &Path, overrides: &[&str]) -> JournalHooks {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let role = crate::role::load(&root.join("roles/bluemind")).unwrap();
    JournalHooks {
        journal: std::sync::Arc::new(Journal::open(dir).unwrap()),
        role: std::sync::Arc::new(role),
        run_id: "r2".into(),
        force: true,
        overrides: overrides.iter().map(|s| s.to_string()).collect(),
    }
}

fn pair(name: &str) -> Pair {
    let text = format!("pairs:\n  - name: {name}\n    origin: {{ host: o }}\n    target: {{ host: t }}\n");
    crate::inventory::parse(Path::new("inv.yml"), &text).unwrap().pairs.remove(0)
}

#[test]
fn a_recorded_value_is_journaled_and_older_journals_without_values_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let old = r#"{"pair": "acme", "phases": {}, "records": {"downtime_start": 1.0}}"#;
    let hooks = hooks(dir.path(), &[]);
    std::fs::write(dir.path().join("pairs/acme.json"), old).unwrap();
    let before = hooks.journal.try_read("acme").unwrap();
    assert!(before.values.is_empty() && before.records.len() == 1, "{before:?}");
    assert_eq!(hooks.role.journal.databases_bytes(&before.values), None);
    hooks.value_recorded(&pair("acme"), "databases_bytes", 8_388_608_000).unwrap();
    let after = hooks.journal.try_read("acme").unwrap();
    assert_eq!(after.values.get("databases_bytes"), Some(&8_388_608_000));
    assert_eq!(after.records, before.records, "the rest of the journal kept");
    assert_eq!(hooks.role.journal.databases_bytes(&after.values), Some(8_388_608_000));
}

#[test]
fn past_the_point_of_no_return_refused_phases_block_the_pair_whatever_force_says() {
    let dir = tempfile::tempdir().unwrap();
    let hooks = hooks(dir.path(), &[]);
    let acme = pair("acme");
    let phases = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(hooks.pair_starting(&acme, &phases(&["trust"])).is_ok(), "no point of no return yet");
    hooks.point_of_no_return(&acme, "post/start target services").unwrap();
    for refused in ["trust", "hot-sync", "cold-sync", "rollback"] {
        let (status, message) = hooks.pair_starting(&acme, &phases(&[refused])).unwrap_err();
        assert_eq!(status, PairStatus::Blocked);
        assert!(message.contains("post/start target services, run r2"), "{message}");
        assert!(message.contains("--unsafe-override-host-state acme"), "{message}");
        // What the override lifts, in full: not only this refusal (issue #24).
        assert!(message.contains("(of trust, hot-sync, cold-sync, rollback)"), "{message}");
        for guard in ["syncing into a live target", "a retired origin as a sync source", "bm.ini"] {
            assert!(message.contains(guard), "{guard}: {message}");
        }
    }
    for allowed in ["preflight", "revoke-trust", "cutover", "post"] {
        assert!(hooks.pair_starting(&acme, &phases(&[allowed])).is_ok(), "{allowed}");
    }
    assert!(hooks.history(&acme).point_of_no_return);
    let overridden = self::hooks(dir.path(), &["acme"]);
    assert!(overridden.pair_starting(&acme, &phases(&["trust", "hot-sync"])).is_ok());
}

#[test]
fn a_rollback_undoes_the_arming_of_the_phases_completed_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let hooks = hooks(dir.path(), &[]);
    let record = |at: f64| PhaseRecord { completed_at: at, run_id: "r1".into() };
    hooks
        .journal
        .update("acme", |j| {
            j.phases.insert("hot-sync".into(), record(1.0));
            j.phases.insert("revoke-trust".into(), record(2.0));
            j.phases.insert("rollback".into(), record(3.0));
            j.phases.insert("cutover".into(), record(4.0));
        })
        .unwrap();
    let history = hooks.history(&pair("acme"));
    assert_eq!(history.completed, ["cutover", "hot-sync", "rollback"], "revoke-trust was rolled back");
    assert!(!history.point_of_no_return);
}

#[test]
fn the_syncs_are_the_ones_the_role_declares_whatever_their_names() {
    // tests/roles/renamed: `warm-sync` repeats, `final-copy` is the final sync.
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let hooks = JournalHooks {
        role: std::sync::Arc::new(crate::role::load(&root.join("tests/roles/renamed")).unwrap()),
        ..hooks(dir.path(), &[])
    };
    let acme = pair("acme");
    let transfer = |secs: f64| crate::outcome::Transfer { secs, ..Default::default() };
    let mut report = PairReport::new("acme", "wave 1", PairStatus::Ok);
    for (phase, secs) in [("warm-sync", 1.0), ("warm-sync", 2.0), ("final-copy", 3.0)] {
        report.transfers = BTreeMap::from([(phase.to_string(), transfer(secs))]);
        hooks.phase_finished(&acme, phase, &report).unwrap();
    }
    let j = hooks.journal.read("acme");
    assert_eq!(j.last_sync.as_ref().map(|s| s.transfer.secs), Some(2.0));
    assert_eq!(j.previous_sync.as_ref().map(|s| s.transfer.secs), Some(1.0));
    assert_eq!(j.final_sync.as_ref().map(|s| s.transfer.secs), Some(3.0));
    let mut stopped = PairReport::new("acme", "wave 1", PairStatus::Stopped);
    stopped.failed_step = Some("final-copy/stop".into());
    hooks.pair_finished(&acme, &stopped).unwrap();
    assert!(hooks.journal.read("acme").partial_sync.is_none(), "only the repeatable sync resumes");
    stopped.failed_step = Some("warm-sync/copy".into());
    hooks.pair_finished(&acme, &stopped).unwrap();
    assert!(hooks.journal.read("acme").partial_sync.is_some(), "a warm sync stopped part-way");
    // The BlueMind role's names mean nothing to this role.
    report.transfers = BTreeMap::from([("hot-sync".to_string(), transfer(9.0))]);
    hooks.phase_finished(&acme, "hot-sync", &report).unwrap();
    assert_eq!(hooks.journal.read("acme").last_sync.map(|s| s.transfer.secs), Some(2.0));
}

#[test]
fn one_controller_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open(dir.path()).unwrap();
    let lock = journal.lock_controller("run-1").unwrap();
    let other = Journal::open(dir.path()).unwrap();
    let err = other.lock_controller("run-2").err().unwrap();
    assert!(err.contains("run run-1"), "{err}");
    assert!(other.run_in_progress().is_some());
    drop(lock);
    assert!(other.run_in_progress().is_none());
    assert!(other.lock_controller("run-2").is_ok());
}

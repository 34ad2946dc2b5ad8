//! The journal: what has happened to each pair, across runs, in a state directory (by default
//! `.bmfleet/<inventory name>/` next to the inventory). One JSON file per pair, rewritten
//! atomically (write, fsync, rename) after every phase, so a crash or Ctrl-C never leaves it
//! corrupt and `migrate` resumes each pair at its next phase.
//!
//! The state directory also holds the controller lock: one bmfleet run at a time per state
//! directory (`flock` on `controller.lock`, released by the kernel if bmfleet dies).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::exec::{History, Hooks};
use crate::fsutil::write_atomic;
use crate::inventory::Pair;
use crate::outcome::PairStatus;
use crate::outcome::{PairReport, Transfer};
use crate::role::Role;
use crate::role::journal::{JournalSpec, SyncKind};
use crate::time::epoch_secs;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PhaseRecord {
    /// Seconds since the Unix epoch.
    pub completed_at: f64,
    pub run_id: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
/// One transfer of the role's repeatable or final sync (`role.yml`'s `journal:`).
pub struct SyncRecord {
    pub at: f64,
    pub run_id: String,
    #[serde(flatten)]
    pub transfer: Transfer,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Running {
    pub run_id: String,
    pub pid: u32,
    pub since: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PairJournal {
    pub pair: String,
    /// Completed phases (a phase that `resets:` another removes it).
    #[serde(default)]
    pub phases: BTreeMap<String, PhaseRecord>,
    /// The last complete repeatable sync (the role's `journal: repeatable_sync:`), and the one
    /// before (for the delta trend). On disk under the names of the BlueMind phases they were
    /// first written for (`last_hot_sync`...), so journals written before stay readable.
    #[serde(default, rename = "last_hot_sync")]
    pub last_sync: Option<SyncRecord>,
    #[serde(default, rename = "previous_hot_sync")]
    pub previous_sync: Option<SyncRecord>,
    /// A repeatable sync stopped part-way (deadline, Ctrl-C): rsync resumes from there next time.
    #[serde(default, rename = "partial_hot_sync")]
    pub partial_sync: Option<PhaseRecord>,
    /// The role's final sync (`journal: final_sync:`).
    #[serde(default, rename = "cold_sync")]
    pub final_sync: Option<SyncRecord>,
    /// Times recorded by steps with `record:` (downtime_start, downtime_end...).
    #[serde(default)]
    pub records: BTreeMap<String, f64>,
    /// Numbers printed by steps with `record_value:` (the databases' size...), the last one each.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, u64>,
    #[serde(default)]
    pub running: Option<Running>,
    #[serde(default)]
    pub last_status: Option<PairStatus>,
    #[serde(default)]
    pub last_run_id: Option<String>,
    /// When the pair passed its point of no return (the target took over): from then on the
    /// phases marked `after_point_of_no_return: refuse` refuse it, and nothing rolls it back.
    #[serde(default)]
    pub point_of_no_return: Option<PointOfNoReturn>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PointOfNoReturn {
    pub at: f64,
    pub run_id: String,
    /// `phase/step` of the step that passed it.
    pub step: String,
}

impl PairJournal {
    /// The downtime measured between the records the role names (`journal: downtime:`).
    pub fn downtime(&self, spec: &JournalSpec) -> Option<f64> {
        spec.downtime_secs(&self.records)
    }

    /// The last phase completed, in the role's order.
    pub fn reached<'a>(&self, role_phases: &[&'a str]) -> Option<&'a str> {
        role_phases.iter().rev().find(|p| self.phases.contains_key(**p)).copied()
    }
}

pub struct Journal {
    dir: PathBuf,
    /// Serialises read-modify-write of pair files within this process.
    write: Mutex<()>,
}

/// The default state directory of an inventory: `.bmfleet/<stem>/` beside it.
pub fn default_dir(inventory: &Path) -> PathBuf {
    let stem =
        inventory.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "inventory".into());
    inventory.parent().unwrap_or(Path::new(".")).join(".bmfleet").join(stem)
}

impl Journal {
    pub fn open(dir: &Path) -> std::io::Result<Journal> {
        std::fs::create_dir_all(dir.join("pairs"))?;
        Ok(Journal { dir: dir.to_path_buf(), write: Mutex::new(()) })
    }

    fn path(&self, pair: &str) -> PathBuf {
        self.dir.join("pairs").join(format!("{pair}.json"))
    }

    /// A pair's journal for display; an absent or unreadable file reads as empty here (see
    /// `try_read` for what runs and updates do instead).
    pub fn read(&self, pair: &str) -> PairJournal {
        self.try_read(pair).unwrap_or_else(|_| PairJournal { pair: pair.into(), ..Default::default() })
    }

    /// A pair's journal: an absent file is an empty journal; a file that cannot be read or
    /// parsed (permissions, not UTF-8, not JSON) is an error, never an empty history to
    /// overwrite. A copy is kept aside (`NAME.json.unreadable-MTIME`, once per version of the
    /// file) and the message names the file and what to do.
    pub fn try_read(&self, pair: &str) -> Result<PairJournal, String> {
        let path = self.path(pair);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(PairJournal { pair: pair.into(), ..Default::default() });
            }
            Err(e) => return Err(self.unreadable(&path, &e.to_string())),
        };
        let parsed = std::str::from_utf8(&bytes).map_err(|e| format!("not UTF-8 ({e})")).and_then(|text| {
            serde_json::from_str::<PairJournal>(text).map_err(|e| format!("not a journal ({e})"))
        });
        parsed.map_err(|why| self.unreadable(&path, &why))
    }

    fn unreadable(&self, path: &Path, why: &str) -> String {
        let mtime = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        let aside = path.with_extension(format!("json.unreadable-{mtime}"));
        let kept = if aside.exists() || std::fs::copy(path, &aside).is_ok() {
            format!("; a copy is kept in {}", aside.display())
        } else {
            String::new()
        };
        format!(
            "the journal {} cannot be read: {why}{kept}. bmfleet will not run this pair over a history it cannot \
             read: repair the file (or move it away if the pair's history is known), then run again",
            path.display()
        )
    }

    /// Change a pair's journal; refused (never overwritten) when the file cannot be read.
    pub fn update(&self, pair: &str, change: impl FnOnce(&mut PairJournal)) -> std::io::Result<()> {
        let _guard = self.write.lock().expect("journal lock");
        let mut journal = self.try_read(pair).map_err(std::io::Error::other)?;
        journal.pair = pair.to_string();
        change(&mut journal);
        let text = serde_json::to_string_pretty(&journal).expect("journals serialize");
        write_atomic(&self.path(pair), text.as_bytes())
    }

    /// Take the controller lock of this state directory, or say who holds it.
    pub fn lock_controller(&self, run_id: &str) -> Result<ControllerLock, String> {
        let path = self.dir.join("controller.lock");
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        if file.try_lock().is_err() {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            return Err(format!(
                "another bmfleet run holds {} ({}); one run at a time per state directory",
                path.display(),
                holder.trim()
            ));
        }
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(file, "run {run_id}, pid {}", std::process::id());
        let _ = file.flush();
        Ok(ControllerLock { _file: file })
    }

    /// Is a run holding the controller lock right now? (Read-only commands use this.)
    pub fn run_in_progress(&self) -> Option<String> {
        let path = self.dir.join("controller.lock");
        let mut file = File::open(&path).ok()?;
        if file.try_lock_shared().is_ok() {
            return None;
        }
        let mut holder = String::new();
        let _ = file.read_to_string(&mut holder);
        Some(holder.trim().to_string())
    }
}

/// Held for the whole run; the kernel releases it if bmfleet dies.
pub struct ControllerLock {
    _file: File,
}

/// The executor's hooks that keep the journal: gate pairs on `requires:`, record each phase.
pub struct JournalHooks {
    pub journal: std::sync::Arc<Journal>,
    pub role: std::sync::Arc<Role>,
    pub run_id: String,
    /// `--force`: run phases whose `requires:` are not met.
    pub force: bool,
    /// Pairs named by `--unsafe-override-host-state`: the point-of-no-return refusal is lifted.
    pub overrides: Vec<String>,
}

/// What `--unsafe-override-host-state` lifts on the hosts. It sets the role variable
/// `host_state_override` for the pair, under which every refusal of the hosts' own records warns
/// and goes on (`bmf_refuse` in the bluemind role's templates/lib/host-state.sh, and the guards of
/// hot-sync/stop-target.sh, cold-sync/stop-target.sh and post/start-target.sh that call it). Said
/// in full wherever the override is suggested, so that nobody reaches for it lightly.
pub const HOST_GUARDS_LIFTED: &str = "syncing into a live target; a retired origin as a sync \
    source or a target; a host recorded for another pair, or origin and target swapped; a host with \
    no record of the pair (preflight not run) or a cut-over pair recorded again; a machine-id or \
    host key changed since preflight; a cutover or start without a verified cold sync; a target \
    started while its bm.ini names a database address it does not own (its core would use the \
    origin's database); a first hot sync into a target that holds more mail than its origin; a \
    cold sync into a target no hot sync reached";

impl JournalHooks {
    /// Phases marked `after_point_of_no_return: refuse` refuse a pair past its point of no
    /// return, whatever `--force` says; only the per-pair override lifts it.
    fn refuse_after_point_of_no_return(
        &self,
        pair: &Pair,
        journal: &PairJournal,
        phases: &[String],
    ) -> Result<(), (PairStatus, String)> {
        let Some(ponr) = &journal.point_of_no_return else { return Ok(()) };
        if self.overrides.contains(&pair.name) {
            return Ok(());
        }
        let refused = phases.iter().find(|p| {
            self.role
                .phase(p)
                .is_some_and(|d| d.after_point_of_no_return == crate::role::AfterPointOfNoReturn::Refuse)
        });
        let Some(phase) = refused else { return Ok(()) };
        let when = crate::time::rfc3339(
            SystemTime::UNIX_EPOCH + std::time::Duration::from_secs_f64(ponr.at.max(0.0)),
        );
        let all_refused: Vec<&str> = (self.role.phases.iter())
            .filter(|d| d.after_point_of_no_return == crate::role::AfterPointOfNoReturn::Refuse)
            .map(|d| d.name.as_str())
            .collect();
        Err((
            PairStatus::Blocked,
            format!(
                "{name} passed its point of no return ({}, run {}, {when}): its target serves in the origin's \
                 place, and `{phase}` would overwrite or undo that; refused whatever --force says. If the \
                 migration is over there is nothing to do. Only for a deliberate re-sync, both hosts checked by \
                 hand: --unsafe-override-host-state {name} lifts, for that pair in that one run, this refusal \
                 (of {}) AND every refusal of the hosts' own records, each then a warning: {HOST_GUARDS_LIFTED}",
                ponr.step,
                ponr.run_id,
                all_refused.join(", "),
                name = pair.name,
            ),
        ))
    }
}

impl JournalHooks {
    /// Change a pair's journal; `Err` says what could not be recorded, where, and why.
    fn write(&self, pair: &Pair, what: &str, change: impl FnOnce(&mut PairJournal)) -> Result<(), String> {
        self.journal.update(&pair.name, change).map_err(|e| {
            format!("the journal {} could not record {what}: {e}", self.journal.path(&pair.name).display())
        })
    }
}

impl Hooks for JournalHooks {
    fn pair_starting(&self, pair: &Pair, phases: &[String]) -> Result<(), (PairStatus, String)> {
        let journal = self.journal.try_read(&pair.name).map_err(|m| (PairStatus::Blocked, m))?;
        self.refuse_after_point_of_no_return(pair, &journal, phases)?;
        if !self.force {
            for phase in phases {
                let Some(def) = self.role.phase(phase) else { continue };
                for req in &def.requires {
                    let in_run_before = phases.iter().take_while(|p| *p != phase).any(|p| p == req);
                    if !in_run_before && !journal.phases.contains_key(req) {
                        return Err((
                            PairStatus::Blocked,
                            format!(
                                "{phase} needs a completed {req} for this pair; run {req} first (or pass --force)"
                            ),
                        ));
                    }
                }
            }
        }
        let run = Running {
            run_id: self.run_id.clone(),
            pid: std::process::id(),
            since: epoch_secs(SystemTime::now()),
        };
        self.write(pair, "that this run works on it", |j| j.running = Some(run)).map_err(|why| {
            (
                PairStatus::Blocked,
                format!("{why}; nothing was run for this pair: bmfleet runs no pair whose history it cannot record"),
            )
        })
    }

    fn phase_finished(&self, pair: &Pair, phase: &str, report: &PairReport) -> Result<(), String> {
        let now = epoch_secs(SystemTime::now());
        let resets: Vec<String> = self.role.phase(phase).map(|p| p.resets.clone()).unwrap_or_default();
        self.write(pair, &format!("that phase {phase} completed"), |j| {
            j.phases
                .insert(phase.to_string(), PhaseRecord { completed_at: now, run_id: self.run_id.clone() });
            for r in &resets {
                j.phases.remove(r);
            }
            for (k, v) in &report.records {
                j.records.insert(k.clone(), *v);
            }
            if let Some(transfer) = report.transfers.get(phase) {
                let record = SyncRecord { at: now, run_id: self.run_id.clone(), transfer: transfer.clone() };
                match self.role.journal.sync_kind(phase) {
                    Some(SyncKind::Repeatable) => {
                        j.previous_sync = j.last_sync.take();
                        j.last_sync = Some(record);
                        j.partial_sync = None;
                    }
                    Some(SyncKind::Final) => j.final_sync = Some(record),
                    None => {}
                }
            }
        })
    }

    fn history(&self, pair: &Pair) -> History {
        let journal = self.journal.read(&pair.name);
        // A phase completed before its rollback last ran was undone by it.
        let undone = |phase: &str, at: f64| {
            let rollback = self.role.phase(phase).and_then(|p| p.rollback.as_deref());
            rollback.and_then(|r| journal.phases.get(r)).is_some_and(|r| r.completed_at >= at)
        };
        History {
            completed: journal
                .phases
                .iter()
                .filter(|(phase, record)| !undone(phase, record.completed_at))
                .map(|(phase, _)| phase.clone())
                .collect(),
            point_of_no_return: journal.point_of_no_return.is_some(),
        }
    }

    /// The journal as it is, written again: the file reads, and a new one can be written and
    /// renamed in its place, now, right before the step whose record must not be lost.
    fn point_of_no_return_recordable(&self, pair: &Pair, step: &str) -> Result<(), String> {
        self.write(pair, &format!("the point of no return of {step} (tried before it starts)"), |_| {})
    }

    fn point_of_no_return(&self, pair: &Pair, step: &str) -> Result<(), String> {
        let record = PointOfNoReturn {
            at: epoch_secs(SystemTime::now()),
            run_id: self.run_id.clone(),
            step: step.to_string(),
        };
        self.write(pair, &format!("that it passed its point of no return at {step}"), |j| {
            j.point_of_no_return.get_or_insert(record);
        })
    }

    fn value_recorded(&self, pair: &Pair, name: &str, value: u64) -> Result<(), String> {
        self.write(pair, &format!("the value {name} = {value}"), |j| {
            j.values.insert(name.to_string(), value);
        })
    }

    fn pair_finished(&self, pair: &Pair, report: &PairReport) -> Result<(), String> {
        let stopped_in_sync = report.status == PairStatus::Stopped
            && report.failed_step.as_deref().is_some_and(|s| self.role.journal.in_repeatable_sync(s));
        self.write(pair, "how this run ended for it", |j| {
            j.running = None;
            j.last_status = Some(report.status);
            j.last_run_id = Some(self.run_id.clone());
            for (k, v) in &report.records {
                j.records.insert(k.clone(), *v);
            }
            if stopped_in_sync {
                j.partial_sync = Some(PhaseRecord {
                    completed_at: epoch_secs(SystemTime::now()),
                    run_id: self.run_id.clone(),
                });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let text =
            format!("pairs:\n  - name: {name}\n    origin: {{ host: o }}\n    target: {{ host: t }}\n");
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
}

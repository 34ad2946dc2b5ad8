//! The journal: what has happened to each pair, across runs, in a state directory (by default
//! `.bmfleet/<inventory name>/` next to the inventory). One JSON file per pair, rewritten
//! atomically (write, fsync, rename) after every phase, so a crash or Ctrl-C never leaves it
//! corrupt and `migrate` resumes each pair at its next phase.
//!
//! The state directory also holds the controller lock: one bmfleet run at a time per state
//! directory (`flock` on `controller.lock`, released by the kernel if bmfleet dies).
//!
//! What is kept of a pair is `record.rs`; how a run reads and writes it, `hooks.rs`; this file
//! is where it is kept (the files, the lock).

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use crate::fsutil::write_atomic;

// The run's side: gates pairs on the journal and records what the run did.
mod hooks;
// What is kept of one pair.
mod record;

pub use hooks::JournalHooks;
pub use record::{PairJournal, PhaseRecord, PointOfNoReturn, Running, SyncRecord};

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

    /// The journal of `dir` for reading only: nothing is created (a campaign that never ran has
    /// no directory, and reads as empty journals).
    pub fn read_only(dir: &Path) -> Journal {
        Journal { dir: dir.to_path_buf(), write: Mutex::new(()) }
    }

    /// Whether anything was ever recorded here.
    pub fn exists(&self) -> bool {
        self.dir.join("pairs").is_dir()
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

#[cfg(test)]
mod tests;

//! What the journal keeps of one pair: the phases it completed, its syncs, its records and
//! values, the run in progress, its point of no return. One JSON file each (`Journal`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::outcome::{PairStatus, Transfer};
use crate::role::journal::JournalSpec;

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

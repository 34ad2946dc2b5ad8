//! What a pair's transfers moved: rsync's `--stats`, parsed from a step's output
//! (`exec/output.rs`), summed per phase into the pair's report, kept by the journal across runs.

use serde::Serialize;

/// What rsync's `--stats` told us.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct TransferStats {
    pub files: u64,
    pub files_transferred: u64,
    pub bytes_total: u64,
    pub bytes_transferred: u64,
}

impl TransferStats {
    pub fn add(&mut self, other: &TransferStats) {
        self.files += other.files;
        self.files_transferred += other.files_transferred;
        self.bytes_total += other.bytes_total;
        self.bytes_transferred += other.bytes_transferred;
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Transfer {
    #[serde(flatten)]
    pub stats: TransferStats,
    /// Wall time of the phase's transfer steps, from the first start to the last end.
    pub secs: f64,
    pub warnings: u32,
}

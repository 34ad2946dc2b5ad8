//! Everything bmfleet shows or writes about a run: events, console output (progress bars, plain
//! lines, JSON lines), the run directory (logs, summary.json, failed.txt) and the summary.

pub mod board;
pub mod console;
pub mod exec_output;
pub mod html;
pub mod json_event;
pub mod rundir;
pub mod summary;
pub mod table;

pub use table::table;

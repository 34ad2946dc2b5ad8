//! Everything bmfleet shows or writes about a run: tables, progress, logs, JSON events, summaries.

pub mod table;

pub use table::table;

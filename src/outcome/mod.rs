//! A run's outcome, as data: the events a run emits while it works, how each step and pair
//! ended, the pair and run reports, the transfers. The executor (`exec`) makes them; the console,
//! the run directory and the summary (`report`), the journal and the commands read them.
//!
//! A leaf: it imports nothing of the engine (only `error::exit`, for the run's exit code), so
//! that whoever reads an outcome depends on these types, never on the code that made them.

mod event;
mod report;
mod status;
mod transfer;

pub use event::{Event, Fanout, Reporter, Stream};
pub use report::{CheckResult, ManualAction, PairReport, RollbackReport, RunReport};
pub use status::{PairStatus, StepStatus};
pub use transfer::{Transfer, TransferStats};

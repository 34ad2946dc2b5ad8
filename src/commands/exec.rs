//! `bmfleet exec`: an ad-hoc command on the origins, the targets or both, output grouped per host.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::cli::{ExecArgs, OnWhich};
use crate::error::Result;
use crate::exec::NoHooks;
use crate::report::exec_output::HostBlocks;
use crate::role::Where;

pub fn exec(args: ExecArgs) -> Result<ExitCode> {
    let (inventory, selected) = super::load_selection(&args.selection)?;
    let sides: &[Where] = match args.on {
        OnWhich::Origin => &[Where::Origin],
        OnWhich::Target => &[Where::Target],
        OnWhich::Both => &[Where::Origin, Where::Target],
    };
    let plan =
        crate::plan::adhoc(&inventory, &selected, &args.command, sides, Duration::from_secs(args.timeout));
    let report =
        super::run::execute(&plan, &args.options, Arc::new(NoHooks), Some(Box::new(HostBlocks::default())))?;
    super::run::finish(&report)
}

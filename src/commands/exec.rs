//! `bmfleet exec`: an ad-hoc command on the origins, the targets or both, output grouped per host.

use std::process::ExitCode;
use std::time::Duration;

use crate::cli::{ExecArgs, ExecOn};
use crate::error::Result;
use crate::report::exec_output::HostBlocks;
use crate::role::StepHost;

pub fn exec(args: ExecArgs) -> Result<ExitCode> {
    let (inventory, selected) = super::load_selection(&args.selection)?;
    let sides: &[StepHost] = match args.on {
        ExecOn::Origin => &[StepHost::Origin],
        ExecOn::Target => &[StepHost::Target],
        ExecOn::Both => &[StepHost::Origin, StepHost::Target],
    };
    let plan =
        crate::plan::adhoc(&inventory, &selected, &args.command, sides, Duration::from_secs(args.timeout));
    let setup = super::setup::RunSetup::plain(&args.options, false, &args.selection.inventory);
    let extras = super::run::Extras { console: Some(Box::new(HostBlocks::default())), ..Default::default() };
    let report = super::run::execute(&plan, &setup, extras)?;
    super::run::finish(&report)
}

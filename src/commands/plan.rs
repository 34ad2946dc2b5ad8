//! `bmfleet plan`: render everything, connect nowhere, print.

use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{Format, PlanArgs};
use crate::error::Result;
use crate::plan::{self, PlanRequest};

pub fn plan(args: PlanArgs) -> Result<ExitCode> {
    let (inventory, selected) = super::load_selection(&args.selection)?;
    let role = Arc::new(super::roles::load(args.role.as_deref(), &inventory.path)?);
    let serial = args.serial.as_deref().map(plan::parse_serial).transpose()?;
    let plan = plan::build(PlanRequest {
        inventory: &inventory,
        selected: &selected,
        role,
        phases: &args.phases,
        serial: serial.as_deref(),
        check_mode: false,
        phases_for: None,
    })?;
    match args.format {
        Format::Text => print!("{}", plan::render_text(&plan)),
        Format::Json => println!("{}", plan::render_json(&plan)),
    }
    Ok(ExitCode::SUCCESS)
}

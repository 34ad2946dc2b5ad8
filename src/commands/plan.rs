//! `bmfleet plan`: render everything, connect nowhere, print.

use std::process::ExitCode;
use std::sync::Arc;

use crate::cli::{Format, PlanArgs};
use crate::error::Result;
use crate::plan::{self, PlanRequest};

pub fn plan(args: PlanArgs) -> Result<ExitCode> {
    let (inventory, selected) = super::load_selection(&args.selection)?;
    let role = Arc::new(super::roles::load(args.role.as_deref(), &inventory.path)?);
    let serial = args.serial.as_ref().map(|s| s.0.clone());
    let plan = plan::build(PlanRequest {
        inventory: &inventory,
        selected: &selected,
        role,
        phases: &args.phases,
        serial: serial.as_deref(),
        check_mode: false,
        phases_for: None,
    })?;
    // Which role: a `./roles` directory wins over the built-in role, so say it.
    match args.format {
        Format::Text => {
            let scripts = args.script || selected.len() == 1;
            print!("-- role {}\n{}", plan.role.describe(), plan::render_text_view(&plan, scripts))
        }
        Format::Json => {
            let mut json: serde_json::Value =
                serde_json::from_str(&plan::render_json(&plan)).expect("the plan is JSON");
            if let Some(map) = json.as_object_mut() {
                // The role's directory, or null for the role built into bmfleet.
                map.insert("role_loaded_from".into(), plan.role.dir_loaded_from().into());
            }
            println!("{}", serde_json::to_string_pretty(&json).expect("JSON"))
        }
    }
    Ok(ExitCode::SUCCESS)
}

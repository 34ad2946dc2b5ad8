//! One file per command: each turns parsed arguments into calls to the engine (inventory,
//! pattern, role, plan, exec...) and prints the result.

mod exec;
mod inventory;
mod plan;
mod roles;
pub mod run;

use std::process::ExitCode;

use crate::cli::{Cli, Command, InventoryCommand};
use crate::error::Result;

pub fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Plan(args) => plan::plan(args),
        Command::Inventory(InventoryCommand::List(args)) => inventory::list(args),
        Command::Inventory(InventoryCommand::Graph(args)) => inventory::graph(args),
        Command::Run(args) => run::run(args),
        Command::Exec(args) => exec::exec(args),
    }
}

/// Load the inventory and select pairs: the first two steps of every command.
pub fn load_selection(sel: &crate::cli::Selection) -> Result<(crate::inventory::Inventory, Vec<usize>)> {
    let inventory = crate::inventory::load(&sel.inventory)?;
    let selected = crate::pattern::select(&inventory, &sel.limit)?;
    Ok((inventory, selected))
}

//! One file per command: each turns parsed arguments into calls to the engine (inventory,
//! pattern, role, plan, exec...) and prints the result.

mod exec;
mod guard;
mod install;
mod inventory;
mod notify;
mod phase_cli;
mod phases;
mod plan;
mod report;
mod roles;
pub mod run;
mod schedule;
mod setup;
mod stale;
mod status;

use std::process::ExitCode;

use crate::cli::{Command, InventoryCommand, RolesCommand};
use crate::error::Result;

pub use phase_cli::{Parsed, parse};

pub fn dispatch(parsed: Parsed) -> Result<ExitCode> {
    let cli = match parsed {
        Parsed::Phase(call) => return phases::phase(call),
        Parsed::Builtin(cli) => cli,
    };
    match cli.command {
        Command::Plan(args) => plan::plan(args),
        Command::Inventory(InventoryCommand::List(args)) => inventory::list(args),
        Command::Inventory(InventoryCommand::Graph(args)) => inventory::graph(args),
        Command::Roles(RolesCommand::Show(args)) => roles::show(args),
        Command::Run(args) => run::run(args),
        Command::Exec(args) => exec::exec(args),
        Command::Migrate(args) => phases::migrate(args),
        Command::Status(args) => status::status(args),
        Command::Schedule(command) => schedule::schedule(command),
        Command::Report(args) => report::report(args),
        Command::Completions(args) => install::completions(args.shell),
        Command::Manpage => install::manpage(),
        // Any other name: a phase of the role its `--role` names (`phase_cli.rs`).
        Command::Phase(argv) => phases::phase(phase_cli::external(argv)?),
    }
}

/// Load the inventory and select pairs: the first two steps of every command.
pub fn load_selection(sel: &crate::cli::Selection) -> Result<(crate::inventory::Inventory, Vec<usize>)> {
    let ssh_config = ssh_config(sel)?;
    let inventory = crate::inventory::load_with(&sel.inventory, ssh_config.as_ref())?;
    let selected = crate::pattern::select(&inventory, sel.limit.as_deref().unwrap_or("all"))?;
    Ok((inventory, selected))
}

/// `--ssh-config FILE`, else `~/.ssh/config` when there is one.
fn ssh_config(sel: &crate::cli::Selection) -> Result<Option<crate::ssh::config::SshConfig>> {
    let (path, explicit) = match &sel.ssh_config {
        Some(p) => (p.clone(), true),
        None => match std::env::var_os("HOME") {
            Some(home) => (std::path::PathBuf::from(home).join(".ssh/config"), false),
            None => return Ok(None),
        },
    };
    if !explicit && !path.exists() {
        return Ok(None);
    }
    crate::ssh::config::SshConfig::load(&path)
        .map(Some)
        .map_err(|source| crate::error::Error::Read { path, source })
}

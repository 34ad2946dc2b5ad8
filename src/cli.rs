//! Command-line definitions (clap derive) and nothing else: each command's behaviour lives in
//! `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "bmfleet",
    version,
    about = "Migrate fleets of BlueMind servers, origin -> target, over SSH, in waves",
    long_about = None,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what would run: waves, pairs and the exact shell of every step. Connects nowhere.
    Plan(PlanArgs),
    /// Inspect the inventory: pairs, groups, waves, merged variables.
    #[command(subcommand)]
    Inventory(InventoryCommand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

/// Which inventory, and which pairs of it.
#[derive(Debug, Clone, Args)]
pub struct Selection {
    /// The inventory file (YAML).
    #[arg(short = 'i', long = "inventory", value_name = "FILE")]
    pub inventory: PathBuf,
    /// Only these pairs: a host pattern (`acme`, `wave1:!acme`, `early,&wave2`, `~re`, `@file`).
    #[arg(short = 'l', long, value_name = "PATTERN", default_value = "all")]
    pub limit: String,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Phases to show, in any order (they run in the role's order). Default: every phase.
    #[arg(value_name = "PHASE")]
    pub phases: Vec<String>,
    #[command(flatten)]
    pub selection: Selection,
    /// The role directory (holding role.yml). Default: the `bluemind` role.
    #[arg(long, value_name = "DIR")]
    pub role: Option<PathBuf>,
    /// Cut each wave into batches, as Ansible's serial: `1,5,25%`.
    #[arg(long, value_name = "SIZES")]
    pub serial: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum InventoryCommand {
    /// One line per pair; with --pair, that pair's connection settings and merged variables.
    List(InventoryListArgs),
    /// The tree of groups and waves with their pairs, like `ansible-inventory --graph`.
    Graph(InventoryGraphArgs),
}

#[derive(Debug, Args)]
pub struct InventoryListArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// Show one pair in detail: where it connects and every variable with its source.
    #[arg(long, value_name = "NAME")]
    pub pair: Option<String>,
    /// Role whose defaults complete the merged variables. Default: the `bluemind` role, if found.
    #[arg(long, value_name = "DIR")]
    pub role: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct InventoryGraphArgs {
    #[command(flatten)]
    pub selection: Selection,
}

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
    /// Run phases of any role on the selected pairs.
    Run(RunArgs),
    /// Run an ad-hoc shell command on the origins, the targets, or both (like `ansible -m shell`).
    Exec(ExecArgs),
}

/// How a run goes: concurrency, waves, failure policy, SSH trust, output.
#[derive(Debug, Clone, Args)]
pub struct RunOptions {
    /// Pairs in flight at once.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub forks: usize,
    /// Cut each wave into batches, as Ansible's serial: `1,5,25%`.
    #[arg(long, value_name = "SIZES")]
    pub serial: Option<String>,
    /// Stop later waves when more than P% of a wave's pairs failed or were unreachable.
    #[arg(long, value_name = "P", value_parser = clap::value_parser!(u8).range(0..=100))]
    pub max_fail_percent: Option<u8>,
    /// Any failed pair stops the run: nothing new starts, running pairs stop at their next step.
    #[arg(long)]
    pub any_errors_fatal: bool,
    /// Record the host keys of hosts missing from known_hosts (a changed key is refused always).
    #[arg(long)]
    pub accept_new_host_keys: bool,
    /// Seconds between SSH keepalives; a host silent for three of them is unreachable.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub keepalive: u64,
    /// After a first Ctrl-C, seconds running steps get to finish before they are stopped.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub grace: u64,
    /// Directory of run records (logs, summary.json, failed.txt), one subdirectory per run.
    #[arg(long, value_name = "DIR", default_value = "runs")]
    pub runs_dir: PathBuf,
    /// Output: text (progress bars on a terminal, plain lines otherwise) or JSON lines.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Answer yes to confirmations (the cutover asks before moving addresses).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The role: a directory holding role.yml, or a role name looked up under roles/.
    #[arg(value_name = "ROLE")]
    pub role: PathBuf,
    /// Phases to run (in the role's order). Default: every phase.
    #[arg(value_name = "PHASE")]
    pub phases: Vec<String>,
    #[command(flatten)]
    pub selection: Selection,
    /// Connect and run the read-only probes only; every other step is shown, not run.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub options: RunOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnWhich {
    Origin,
    Target,
    Both,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The shell command, run as is (no templating) through bash on each host.
    #[arg(value_name = "COMMAND")]
    pub command: String,
    #[command(flatten)]
    pub selection: Selection,
    /// Which hosts of each pair.
    #[arg(long, value_enum, default_value = "both")]
    pub on: OnWhich,
    /// Seconds the command may run on each host.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub timeout: u64,
    #[command(flatten)]
    pub options: RunOptions,
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

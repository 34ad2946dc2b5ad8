//! Command-line definitions (clap derive) and nothing else: each command's behaviour lives in
//! `commands/`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::values::{self, ClockTime, Serial, Until};

/// `0.1.0 (commit 1a2b3c4d5e6f, 2026-12-07)`: the commit the binary was built from, named by
/// `build.rs` (`unknown commit` when built from sources without their git history).
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("BMFLEET_COMMIT"), ")");

#[derive(Debug, Parser)]
#[command(
    name = "bmfleet",
    version = VERSION,
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
    /// Inspect a role: its phases and the variables an inventory may set, with their types.
    #[command(subcommand)]
    Roles(RolesCommand),
    /// Run phases of any role on the selected pairs.
    Run(RunArgs),
    /// Run an ad-hoc shell command on the origins, the targets, or both (like `ansible -m shell`).
    Exec(ExecArgs),
    /// Every phase in order, each pair resuming after its last completed phase.
    Migrate(MigrateArgs),
    /// One line per pair: phase reached, last hot sync, estimated downtime, run in progress.
    Status(StatusArgs),
    /// Nightly runs of a phase the role lets run unattended (its repeatable sync by default),
    /// with the system's scheduler (systemd timers, or a cron line).
    #[command(subcommand)]
    Schedule(ScheduleCommand),
    /// A static HTML report of the campaign (one page per pair, a fleet index), from the journal
    /// and the run directories; nothing connects.
    Report(ReportArgs),
    /// Print a completion script for a shell (e.g. `bmfleet completions bash > /etc/bash_completion.d/bmfleet`).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `bmfleet manpage | man -l -`.
    Manpage,
    /// Any other name: a phase of the role (`bmfleet PHASE -i INV`, with `PhaseArgs`). The
    /// default role's phases are subcommands of their own (`commands/phase_cli.rs`), listed in
    /// the help; this catches the phases of another `--role`, and names that are no phase.
    #[command(external_subcommand)]
    Phase(Vec<OsString>),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: CompletionShell,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// Where the report goes (index.html and one page per pair); created if needed.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    pub output: PathBuf,
    /// Only this run (a directory name under --runs-dir); default: every run there.
    #[arg(long, value_name = "ID")]
    pub run: Option<String>,
    /// Directory of run records, as the runs were given it. Default: runs/ beside the
    /// inventory.
    #[arg(long, value_name = "DIR")]
    pub runs_dir: Option<PathBuf>,
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// The role directory, for the order of phases. Default: the `bluemind` role.
    #[arg(long, value_name = "DIR")]
    pub role: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct PhaseArgs {
    #[command(flatten)]
    pub selection: Selection,
    /// The role directory (holding role.yml). Default: the `bluemind` role.
    #[arg(long, value_name = "DIR")]
    pub role: Option<PathBuf>,
    /// Connect and run the read-only probes (the preflight's and the phase's); change nothing.
    #[arg(long)]
    pub check: bool,
    /// Run even when a phase's prerequisites (`requires:`) are not met for a pair.
    #[arg(long)]
    pub force: bool,
    /// Where the journal and the controller lock live. Default: .bmfleet/<inventory name>/
    /// beside the inventory.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Start no pair after this local time (HH:MM) or delay (+90m), and stop running steps at it.
    #[arg(long, value_name = "HH:MM|+DURATION", value_parser = values::until)]
    pub until: Option<Until>,
    /// DANGEROUS, for a deliberate re-sync of a pair past its point of no return: lift the
    /// host-state safety checks (role variable `host_state_override`) and the journal's refusal
    /// for this pair only. Repeat for each pair; printed in the summary.
    #[arg(long = "unsafe-override-host-state", value_name = "PAIR")]
    pub unsafe_override_host_state: Vec<String>,
    /// Run this shell command (`sh -c`) when the run fails, or when a selected pair's last good
    /// sync is older than --stale-after; it reads the run's JSON notice on stdin (docs/json.md).
    /// Its own failure is reported and changes nothing else. Scheduled runs pass it on.
    #[arg(long, value_name = "CMD")]
    pub notify: Option<String>,
    /// With --notify: a pair whose last good sync (the role's repeatable sync) is older than
    /// this is stale, and notifies: `36h`, `2d`...
    #[arg(long, value_name = "DURATION", default_value = "36h", value_parser = values::duration)]
    pub stale_after: Duration,
    #[command(flatten)]
    pub options: RunFlags,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub phase: PhaseArgs,
    /// Start every selected pair at this phase, whatever the journal says.
    #[arg(long, value_name = "PHASE")]
    pub from_phase: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub selection: Selection,
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Where the runs' records (logs, summaries) are, named in the output. Default: runs/
    /// beside the inventory.
    #[arg(long, value_name = "DIR")]
    pub runs_dir: Option<PathBuf>,
    /// The role directory, for the order of phases. Default: the `bluemind` role.
    #[arg(long, value_name = "DIR")]
    pub role: Option<PathBuf>,
    /// A hot sync older than this is stale (flagged): `36h`, `2d`...
    #[arg(long, value_name = "DURATION", default_value = "36h", value_parser = values::duration)]
    pub stale_after: Duration,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum ScheduleCommand {
    /// Write a systemd service and timer running a phase every night (or print a cron line).
    Install(Box<ScheduleInstallArgs>),
    /// The schedules installed by bmfleet.
    List(ScheduleDirArgs),
    /// Stop and delete a schedule.
    Remove(ScheduleRemoveArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ScheduleDirArgs {
    /// Where the unit files go. Default: /etc/systemd/system.
    #[arg(long, value_name = "DIR", default_value = "/etc/systemd/system")]
    pub unit_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ScheduleInstallArgs {
    /// The schedule's name (unit bmfleet-NAME.timer).
    pub name: String,
    /// The phase to run: one the role declares `schedule:` (BlueMind: hot-sync, preflight).
    /// Default: the role's repeatable sync (`journal: repeatable_sync`).
    #[arg(value_name = "PHASE")]
    pub phase: Option<String>,
    #[command(flatten)]
    pub selection: Selection,
    /// Local time of each run, HH:MM.
    #[arg(long, value_name = "HH:MM", value_parser = values::clock_time)]
    pub at: ClockTime,
    /// Local time by which each run must stop, HH:MM.
    #[arg(long, value_name = "HH:MM", value_parser = values::clock_time)]
    pub until: Option<ClockTime>,
    /// The role directory, passed on to each run.
    #[arg(long, value_name = "DIR")]
    pub role: Option<PathBuf>,
    /// The state directory (journal), passed on to each run.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
    /// Where each run's directory goes, passed on to each run. Default: runs/ beside the
    /// inventory, as for the runs by hand.
    #[arg(long, value_name = "DIR")]
    pub runs_dir: Option<PathBuf>,
    /// Each run runs this shell command when it fails or a pair's last good sync is stale,
    /// with the run's JSON notice on stdin (`--notify` of the phase commands).
    #[arg(long, value_name = "CMD")]
    pub notify: Option<String>,
    /// With --notify: how old a pair's last good sync may be before the run notifies.
    #[arg(long, value_name = "DURATION", value_parser = values::duration, requires = "notify")]
    pub stale_after: Option<Duration>,
    /// Print the crontab line instead of writing systemd units.
    #[arg(long)]
    pub cron: bool,
    /// Write the units without enabling them (no systemctl call).
    #[arg(long)]
    pub no_enable: bool,
    #[command(flatten)]
    pub dir: ScheduleDirArgs,
}

#[derive(Debug, Args)]
pub struct ScheduleRemoveArgs {
    pub name: String,
    #[command(flatten)]
    pub dir: ScheduleDirArgs,
}

/// How a run goes: concurrency, waves, failure policy, SSH trust, output.
#[derive(Debug, Clone, Args)]
pub struct RunFlags {
    /// Pairs in flight at once.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub forks: usize,
    /// Cut each wave into batches, as Ansible's serial: `1,5,25%`.
    #[arg(long, value_name = "SIZES", value_parser = values::serial)]
    pub serial: Option<Serial>,
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
    /// Default: runs/ beside the inventory (with its .bmfleet/ journal).
    #[arg(long, value_name = "DIR")]
    pub runs_dir: Option<PathBuf>,
    /// Output: text (progress bars on a terminal, plain lines otherwise) or JSON lines.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Answer yes to confirmations (a phase's `confirm:`), and let a phase that stops services
    /// (`stops_services:`, and migrate) run on more than one wave without --limit.
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
    pub options: RunFlags,
}

/// `bmfleet exec --on`: the pairs' origins, targets or both (never the controller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExecOn {
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
    pub on: ExecOn,
    /// Seconds the command may run on each host.
    #[arg(long, value_name = "SECS", default_value_t = 600)]
    pub timeout: u64,
    #[command(flatten)]
    pub options: RunFlags,
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
    /// Default: every pair. A pattern that selects no pair is refused.
    #[arg(short = 'l', long, value_name = "PATTERN")]
    pub limit: Option<String>,
    /// The ssh client configuration completing the inventory's connection settings (Host
    /// blocks: HostName, User, Port, IdentityFile, ProxyJump, UserKnownHostsFile,
    /// StrictHostKeyChecking). Default: ~/.ssh/config when it exists.
    #[arg(long, value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,
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
    #[arg(long, value_name = "SIZES", value_parser = values::serial)]
    pub serial: Option<Serial>,
    /// Show every step's shell (the default for a single pair); else one line per step.
    #[arg(long)]
    pub script: bool,
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

#[derive(Debug, Subcommand)]
pub enum RolesCommand {
    /// The role's phases and every variable it declares (type, default, description), read
    /// from its role.yml: what an inventory may set, and to what.
    Show(RolesShowArgs),
}

#[derive(Debug, Args)]
pub struct RolesShowArgs {
    /// The role: a directory holding role.yml, or a role name looked up under roles/. Default:
    /// the `bluemind` role.
    #[arg(long, value_name = "DIR")]
    pub role: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// The variables as a Markdown table (docs/roles.md's "Role variables" is this output).
    #[arg(long, conflicts_with = "format")]
    pub markdown: bool,
}

#[derive(Debug, Args)]
pub struct InventoryGraphArgs {
    #[command(flatten)]
    pub selection: Selection,
}

//! `bmfleet run ROLE PHASE...` and the machinery every command that touches hosts shares:
//! build the plan (all rendering done before any connection), load the keys, ask for
//! confirmations, execute, print and write the summary, and turn the outcome into an exit code.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use super::setup::RunSetup;
use crate::cli::{Format, RunArgs, RunFlags};
use crate::error::{Error, Result, exit};
use crate::exec::{self, Cancel, Hooks, NoHooks};
use crate::inventory::Inventory;
use crate::outcome::RunReport;
use crate::outcome::{Fanout, Reporter};
use crate::plan::{self, Plan, PlanRequest};
use crate::report::console::{Bars, JsonLines, Plain};
use crate::report::rundir::RunDir;
use crate::report::summary::render_text;
use crate::role::Role;
use crate::ssh::{Keys, SshContext, SshOptions};

pub fn run(args: RunArgs) -> Result<ExitCode> {
    let (inventory, selected) = super::load_selection(&args.selection)?;
    let role = Arc::new(super::roles::load(Some(&args.role), &inventory.path)?);
    let setup = RunSetup::plain(&args.options, args.check, &args.selection.inventory);
    let plan = build_plan(&inventory, &selected, role, &args.phases, &setup, None)?;
    super::guard::check(&super::guard::Selected {
        role: &plan.role,
        phases: &plan.phases,
        inventory: &inventory,
        pairs: &selected,
        limited: args.selection.limit.is_some(),
        yes: setup.flags.yes,
        check: setup.check,
    })?;
    let report = execute(&plan, &setup, Extras::default())?;
    finish(&report)
}

pub fn build_plan(
    inventory: &Inventory,
    selected: &[usize],
    role: Arc<Role>,
    phases: &[String],
    setup: &RunSetup<'_>,
    phases_for: Option<&plan::PhasesFor<'_>>,
) -> Result<Plan> {
    let serial = setup.flags.serial.as_ref().map(|s| s.0.clone());
    plan::build(PlanRequest {
        inventory,
        selected,
        role,
        phases,
        serial: serial.as_deref(),
        check_mode: setup.check,
        phases_for,
    })
}

/// Confirmations the plan's phases ask for (`confirm:`), once per run, before anything runs.
fn confirm(plan: &Plan, options: &RunFlags) -> Result<()> {
    if plan.check_mode || options.yes {
        return Ok(());
    }
    for phase in &plan.phases {
        let Some(question) = plan.role.phase(phase).and_then(|p| p.confirm.as_deref()) else { continue };
        let pairs: Vec<&str> =
            plan.waves.iter().flat_map(|w| w.pairs.iter().map(|p| p.pair.name.as_str())).collect();
        let question = format!("{question} ({} pairs: {})", pairs.len(), pairs.join(", "));
        if !std::io::stdin().is_terminal() {
            return Err(Error::Declined(format!(
                "phase `{phase}` asks for confirmation and there is no terminal to ask: pass --yes"
            )));
        }
        if !crate::tty::confirm(&question) {
            return Err(Error::Declined(format!("phase `{phase}` not confirmed; nothing was run")));
        }
    }
    Ok(())
}

/// What a command plugs into a run beyond its settings (`RunSetup`).
pub struct Extras {
    /// The journal, for the phase commands.
    pub hooks: Arc<dyn Hooks>,
    /// Replaces the default console reporter in text mode (`bmfleet exec` prints per host).
    pub console: Option<Box<dyn Reporter>>,
}

impl Default for Extras {
    fn default() -> Self {
        Extras { hooks: Arc::new(NoHooks), console: None }
    }
}

/// Execute a plan with the console and run-directory reporters. Bad input (keys, flags) is
/// reported before anything connects.
pub fn execute(plan: &Plan, setup: &RunSetup<'_>, extras: Extras) -> Result<RunReport> {
    let Extras { hooks, console: extra } = extras;
    let options = setup.flags;
    confirm(plan, options)?;
    let endpoints =
        plan.waves.iter().flat_map(|w| w.pairs.iter()).flat_map(|p| [&p.pair.origin, &p.pair.target]);
    let keys = Keys::load(endpoints.flat_map(|e| e.identity_files()))?;
    let ssh = SshContext::new(
        keys,
        SshOptions {
            accept_new_host_keys: options.accept_new_host_keys,
            keepalive: Duration::from_secs(options.keepalive.max(1)),
            keepalive_max: 3,
            ..Default::default()
        },
    )
    .with_become_passwords(become_passwords(plan)?);
    let run_dir = RunDir::create(&setup.runs_dir, &setup.run_id).map_err(|e| {
        Error::internal(format!("cannot create the run directory under {}: {e}", setup.runs_dir.display()))
    })?;
    let run_path = run_dir.path().to_path_buf();
    let run_dir = Arc::new(run_dir);

    let pairs: usize = plan.waves.iter().map(|w| w.pairs.len()).sum();
    let mut reporters: Vec<Box<dyn Reporter>> = vec![Box::new(SharedRunDir(run_dir.clone()))];
    match (options.format, extra) {
        (Format::Json, _) => reporters.push(Box::new(JsonLines)),
        (Format::Text, Some(extra)) => reporters.push(extra),
        (Format::Text, None) if std::io::stderr().is_terminal() => reporters.push(Box::new(Bars::new(pairs))),
        (Format::Text, None) => reporters.push(Box::new(Plain::new())),
    }
    let reporter: Arc<dyn Reporter> = Arc::new(Fanout(reporters));

    let exec_options = setup.run_options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::internal(format!("cannot start the async runtime: {e}")))?;
    let journal_spec = plan.role.journal.clone();
    let report =
        runtime.block_on(exec::execute(plan, &exec_options, ssh, reporter.clone(), hooks, Cancel::default()));
    reporter.finish();
    run_dir
        .write_summary(&report, &journal_spec)
        .map_err(|e| Error::internal(format!("cannot write the summary in {}: {e}", run_path.display())))?;
    if options.format == Format::Text {
        print!("{}", render_text(&report, &journal_spec));
        println!("Logs and summary: {}", run_path.display());
        if !report.retry_names().is_empty() {
            println!("Retry what did not succeed: --limit @{}", run_path.join("failed.txt").display());
        }
    }
    // Drop the runtime without waiting for detached work (a hung connection must not hold us).
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(report)
}

/// Sudo passwords named by `become_password_env`, read from the environment before anything
/// connects (a missing one is bad input).
fn become_passwords(plan: &Plan) -> Result<std::collections::HashMap<String, String>> {
    let mut passwords = std::collections::HashMap::new();
    let endpoints =
        plan.waves.iter().flat_map(|w| w.pairs.iter()).flat_map(|p| [&p.pair.origin, &p.pair.target]);
    for env in endpoints.filter_map(|e| e.r#become.as_ref()?.password_env.clone()) {
        if passwords.contains_key(&env) {
            continue;
        }
        let value = std::env::var(&env).map_err(|_| {
            Error::input(
                crate::diag::Diagnostic::new(format!("become_password_env names `{env}`, which is not set"))
                    .help(format!("export {env} with the sudo password before running bmfleet")),
            )
        })?;
        passwords.insert(env, value);
    }
    Ok(passwords)
}

/// The exit code of a finished run, as an error for main to print when it is not a success.
pub fn finish(report: &RunReport) -> Result<ExitCode> {
    let total = report.pairs.len();
    match report.exit_code() {
        exit::OK => Ok(ExitCode::SUCCESS),
        exit::INTERNAL => Err(Error::internal(format!(
            "the journal could not record all that this run did for {} (see JOURNAL NOT WRITTEN above)",
            report.journal_not_written().join(", ")
        ))),
        exit::INTERRUPTED => Err(Error::Interrupted),
        exit::UNREACHABLE => Err(Error::Unreachable {
            unreachable: report.count(crate::outcome::PairStatus::Unreachable),
            total,
        }),
        exit::DEADLINE => Err(Error::Deadline(format!(
            "the --until deadline stopped the run; {} of {total} pairs did not finish (the next run resumes them)",
            report.retry_names().len()
        ))),
        exit::BUSY => Err(Error::Busy(format!(
            "{} of {total} pairs skipped: another run holds them",
            report.count(crate::outcome::PairStatus::Busy)
        ))),
        _ => Err(Error::PairsFailed { failed: report.retry_names().len(), total }),
    }
}

/// The run directory is also needed after the run (summary): share it with the reporter list.
struct SharedRunDir(Arc<RunDir>);

impl Reporter for SharedRunDir {
    fn event(&self, event: &crate::outcome::Event) {
        self.0.event(event)
    }
    fn finish(&self) {
        self.0.finish()
    }
}

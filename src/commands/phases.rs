//! The role's phases as commands (`bmfleet PHASE`, whatever phases the role has: see
//! `phase_cli.rs`) and `migrate`, which runs the role's sequence, each pair resuming after its
//! last completed phase. These commands keep the journal, take the controller lock of the state
//! directory and, unless every phase is `read_only`, each pair's lock on its target, and honour
//! `--until`.

use std::process::ExitCode;
use std::sync::Arc;

use super::phase_cli::PhaseCall;
use super::setup::RunSetup;
use crate::cli::{MigrateArgs, PhaseArgs};
use crate::diag::Diagnostic;
use crate::error::{Error, Result};
use crate::inventory::Pair;
use crate::journal::{Journal, JournalHooks, default_dir};
use crate::plan::PhasesFor;
use crate::role::Role;

/// `bmfleet NAME [--FLAG]`: the phase of the role that the name (and the flag) name; with
/// `--check`, the role's `precheck` phases first (BlueMind: the preflight, the check of every
/// phase).
pub fn phase(call: PhaseCall) -> Result<ExitCode> {
    let PhaseCall { name, flags, args } = call;
    let role = Arc::new(super::roles::load(args.role.as_deref(), &args.selection.inventory)?);
    if flags.len() > 1 {
        return Err(Error::usage(format!("`{name}`: give at most one of --{}", flags.join(", --"))));
    }
    let Some(phase) = role.phase_for_command(&name, &flags) else {
        return Err(match flags.first() {
            None => super::phase_cli::unknown_phase(&role, &name),
            Some(flag) => Error::input(Diagnostic::new(format!(
                "role `{}` runs no phase with `{name} --{flag}`",
                role.name
            ))),
        });
    };
    let mut phases: Vec<String> = Vec::new();
    if args.check {
        phases.extend(role.prechecks().into_iter().filter(|p| *p != phase.name).map(String::from));
    }
    phases.push(phase.name.clone());
    run_phases(&args, phases, None, role)
}

pub fn migrate(args: MigrateArgs) -> Result<ExitCode> {
    let role = Arc::new(super::roles::load(args.phase.role.as_deref(), &args.phase.selection.inventory)?);
    run_phases(&args.phase, Vec::new(), Some(args.from_phase.as_deref()), role)
}

/// The phases `migrate` runs for a pair: from `--from-phase`, else after the last phase the
/// journal says the pair completed.
fn next_phases(role: &Role, journal: &Journal, from: Option<&str>, pair: &Pair) -> Vec<String> {
    let all = role.sequence();
    let start = match from {
        Some(from) => all.iter().position(|p| *p == from).unwrap_or(0),
        None => match journal.read(&pair.name).reached(&all) {
            Some(last) => all.iter().position(|p| *p == last).map_or(0, |i| i + 1),
            None => 0,
        },
    };
    all[start..].iter().map(|p| p.to_string()).collect()
}

fn open_journal(args: &PhaseArgs, inventory: &std::path::Path) -> Result<Journal> {
    let dir = args.state_dir.clone().unwrap_or_else(|| default_dir(inventory));
    Journal::open(&dir)
        .map_err(|e| Error::internal(format!("cannot open the state directory {}: {e}", dir.display())))
}

/// `--unsafe-override-host-state PAIR`: each must name a selected pair, which gets the role
/// variable `host_state_override` = true (the host-side checks read it). Said loudly now.
fn apply_overrides(
    inventory: &mut crate::inventory::Inventory,
    selected: &[usize],
    pairs: &[String],
) -> Result<()> {
    for name in pairs {
        let Some(index) = inventory.pairs.iter().position(|p| p.name == *name) else {
            let names = inventory.pairs.iter().map(|p| p.name.as_str());
            let help = match crate::suggest::closest(name, names) {
                Some(close) => format!("did you mean `{close}`? Name a pair of the inventory"),
                None => "name a pair of the inventory".to_string(),
            };
            return Err(Error::input(
                Diagnostic::new(format!("--unsafe-override-host-state: no pair `{name}` in the inventory"))
                    .help(help),
            ));
        };
        if !selected.contains(&index) {
            return Err(Error::input(
                Diagnostic::new(format!("--unsafe-override-host-state: pair `{name}` is not selected by --limit"))
                    .help("an override applies to pairs this run works on: add the pair to --limit, or drop the override"),
            ));
        }
        inventory.pairs[index].vars.insert("host_state_override".into(), serde_json::Value::Bool(true));
        eprintln!(
            "UNSAFE: --unsafe-override-host-state {name}: the host-state safety checks and the point-of-no-return \
             refusal are lifted for pair {name} in this run"
        );
    }
    Ok(())
}

/// The phases `migrate` may run for some pair: its sequence from `--from-phase` (which must be
/// part of it), else all of it (which ones each pair runs depends on the journal).
fn resumable(role: &Role, from: Option<&str>) -> Result<Vec<String>> {
    let all = role.sequence();
    let start = match from {
        None => 0,
        Some(from) => all.iter().position(|p| *p == from).ok_or_else(|| {
            Error::input(
                Diagnostic::new(format!(
                    "--from-phase: `{from}` is not a phase of role `{}`'s sequence",
                    role.name
                ))
                .help(format!("the phases migrate runs are: {}", all.join(", "))),
            )
        })?,
    };
    Ok(all[start..].iter().map(|p| p.to_string()).collect())
}

/// Run `phases` on the selected pairs (see `run_report`), tell `--notify` when there is
/// something to tell, and turn the result into an exit code.
fn run_phases(
    args: &PhaseArgs,
    phases: Vec<String>,
    resume: Option<Option<&str>>,
    role: Arc<Role>,
) -> Result<ExitCode> {
    let ran = run_report(args, &phases, resume, role);
    super::notify::after_run(args, &phases, &ran);
    match ran? {
        Some(report) => super::run::finish(&report),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Run `phases` on the selected pairs; with `resume` (`migrate`), each pair runs instead the
/// phases after its last completed one (or from `--from-phase`, the inner option). Nothing
/// when no pair has anything left to do.
fn run_report(
    args: &PhaseArgs,
    phases: &[String],
    resume: Option<Option<&str>>,
    role: Arc<Role>,
) -> Result<Option<crate::outcome::RunReport>> {
    let phases = phases.to_vec();
    let (mut inventory, mut selected) = super::load_selection(&args.selection)?;
    let setup = RunSetup::for_phases(args, role.read_only(&phases));
    // Refusals of bad input come before the journal (its directory) is opened.
    let may_run = match resume {
        Some(from) => resumable(&role, from)?,
        None => phases.clone(),
    };
    super::guard::check(&super::guard::Selected {
        role: &role,
        phases: &may_run,
        inventory: &inventory,
        pairs: &selected,
        limited: args.selection.limit.is_some(),
        yes: setup.flags.yes,
        check: setup.check,
    })?;
    apply_overrides(&mut inventory, &selected, &setup.overrides)?;
    let journal = Arc::new(open_journal(args, &inventory.path)?);
    let resume_phases = resume.map(|from| {
        let (role, journal) = (role.clone(), journal.clone());
        move |pair: &Pair| next_phases(&role, &journal, from, pair)
    });
    let phases_for = resume_phases.as_ref().map(|f| f as &PhasesFor<'_>);
    if let Some(f) = phases_for {
        // Pairs with nothing left to do are said so, and left out.
        selected.retain(|&i| {
            let pair = &inventory.pairs[i];
            let left = f(pair);
            if left.is_empty() {
                eprintln!("{}: every phase is completed (use --from-phase to run some again)", pair.name);
            }
            !left.is_empty()
        });
        if selected.is_empty() {
            return Ok(None);
        }
    }
    let plan = super::run::build_plan(&inventory, &selected, role.clone(), &phases, &setup, phases_for)?;
    let _lock = if setup.locks_controller() {
        Some(journal.lock_controller(&setup.run_id).map_err(Error::Busy)?)
    } else {
        None
    };
    let hooks = JournalHooks {
        journal: journal.clone(),
        role: role.clone(),
        run_id: setup.run_id.clone(),
        force: args.force,
        overrides: setup.overrides.clone(),
    };
    let extras = super::run::Extras { hooks: Arc::new(hooks), console: None };
    super::run::execute(&plan, &setup, extras).map(Some)
}

//! `bmfleet report`: the campaign as static HTML, from the journal and the run directories
//! (nothing connects). Bad input (an unknown run, an output that is a file, a summary that is
//! not one) is an error naming it, exit 2, and nothing is written.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::SystemTime;

use crate::cli::ReportArgs;
use crate::diag::Diagnostic;
use crate::error::{Error, Result};
use crate::inventory::{Inventory, Pair, merged_vars};
use crate::journal::{Journal, PairJournal, default_dir};
use crate::report::html::{self, model};
use crate::report::rundir::runs_dir;
use crate::role::Role;
use crate::secrets::Masker;
use crate::time::epoch_secs;

pub fn report(args: ReportArgs) -> Result<ExitCode> {
    let (inventory, selected) = super::load_selection(&args.selection)?;
    let role = super::roles::load(args.role.as_deref(), &inventory.path)?;
    if args.output.exists() && !args.output.is_dir() {
        return Err(Error::input(
            Diagnostic::new(format!("-o {}: exists and is not a directory", args.output.display()))
                .help("name a directory for index.html and the pair pages"),
        ));
    }
    let runs_dir = runs_dir(args.runs_dir.as_deref(), &args.selection.inventory);
    let runs =
        model::read_runs(&runs_dir, args.run.as_deref()).map_err(|why| {
            Error::input(Diagnostic::new(why).help(
                "--runs-dir names the directory the runs were given (default: runs/ beside the inventory)",
            ))
        })?;
    let state = args.state_dir.clone().unwrap_or_else(|| default_dir(&inventory.path));
    let journal = state
        .join("pairs")
        .is_dir()
        .then(|| Journal::open(&state))
        .transpose()
        .map_err(|e| Error::internal(format!("cannot open the journal {}: {e}", state.display())))?;
    let check_steps: BTreeMap<String, String> = role
        .phases
        .iter()
        .flat_map(|p| p.steps.iter())
        .filter_map(|s| Some((s.check.clone()?, s.name.clone())))
        .collect();
    // `reached` is along migrate's sequence (a rollback is not a step forward).
    let role_phases = role.sequence();
    let inventory_arg = args.selection.inventory.display().to_string();
    let retry_extra = retry_extra(&args);
    let mut views = Vec::new();
    for &i in &selected {
        let pair = &inventory.pairs[i];
        let j = match &journal {
            Some(journal) => {
                journal.try_read(&pair.name).map_err(|why| Error::input(Diagnostic::new(why)))?
            }
            None => PairJournal { pair: pair.name.clone(), ..Default::default() },
        };
        let masker = masker(&inventory, pair, &role);
        let input = model::PairInput {
            name: &pair.name,
            display_name: pair.display_name.as_deref(),
            wave: pair.wave,
            origin: &pair.origin.host,
            target: &pair.target.host,
            journal: &j,
            journal_spec: &role.journal,
            role_phases: &role_phases,
            check_steps: &check_steps,
            masker: &masker,
            inventory_arg: &inventory_arg,
            retry_extra: &retry_extra,
        };
        views.push(model::pair_view(&input, &runs));
    }
    let lanes: Vec<String> = role.phase_names().iter().map(|p| p.to_string()).collect();
    let title = inventory.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let settings = &inventory.report;
    let campaign = html::Campaign {
        title: &title,
        zone: &settings.zone,
        msp_name: settings.msp_name.as_deref(),
        msp_logo: settings.msp_logo.as_deref(),
    };
    let written = html::write(&args.output, &views, &lanes, &campaign, epoch_secs(SystemTime::now()))
        .map_err(|e| Error::internal(format!("cannot write the report in {}: {e}", args.output.display())))?;
    println!(
        "Report of {} pairs ({} runs, {} files): {}",
        views.len(),
        runs.len(),
        written.len(),
        args.output.join("index.html").display()
    );
    // Where it read from, so that a report of nothing says where it looked.
    let journal_read = if journal.is_some() { "journal" } else { "no journal yet" };
    println!("Read: runs in {}, {journal_read} in {}", runs_dir.display(), state.display());
    if runs.is_empty() && journal.is_none() {
        println!("Nothing has run yet: the report lists the pairs only");
    }
    Ok(ExitCode::SUCCESS)
}

/// Options the retry commands must repeat (where the state and the ssh settings are).
fn retry_extra(args: &ReportArgs) -> Vec<String> {
    let mut extra = Vec::new();
    if let Some(dir) = &args.state_dir {
        extra.extend(["--state-dir".into(), dir.display().to_string()]);
    }
    if let Some(dir) = &args.runs_dir {
        extra.extend(["--runs-dir".into(), dir.display().to_string()]);
    }
    if let Some(file) = &args.selection.ssh_config {
        extra.extend(["--ssh-config".into(), file.display().to_string()]);
    }
    if let Some(role) = &args.role {
        extra.extend(["--role".into(), role.display().to_string()]);
    }
    extra
}

/// The pair's secret variables, masked in the report as in every other output.
fn masker(inventory: &Inventory, pair: &Pair, role: &Role) -> Masker {
    let mut masker = Masker::default();
    for (name, (value, _)) in merged_vars(inventory, pair, &role.defaults) {
        if crate::role::is_secret_name(&name, &role.secrets) {
            masker.add_json(&value);
        }
    }
    masker
}

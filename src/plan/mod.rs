//! Planning: from the selected pairs and the requested phases of a role, every step of every pair,
//! rendered, grouped in waves. Nothing here connects anywhere: a plan is what `bmfleet plan`
//! prints, what `--check` shows, and what the executor runs.
//!
//! Rendering everything up front is a safety property: a template or variable error stops the
//! whole run before the first connection, instead of failing halfway through a fleet.

mod display;
mod serial;

use std::collections::BTreeSet;
use std::sync::Arc;

use tera::Context;

#[cfg(test)]
pub use display::render_text;
pub use display::{render_json, render_text_view};

use crate::diag::{Diagnostic, Diagnostics};
use crate::error::{Error, Result};
use crate::inventory::{Inventory, Pair, merged_vars};
use crate::role::{FACTS, Role, Step, is_secret_name};
use crate::secrets::Masker;
use crate::values::Batch;

#[derive(Debug)]
pub struct Plan {
    pub role: Arc<Role>,
    pub phases: Vec<String>,
    pub waves: Vec<Wave>,
    pub check_mode: bool,
    pub inventory_path: std::path::PathBuf,
}

#[derive(Debug)]
pub struct Wave {
    /// "wave 1", or "wave 1 batch 2/3" under `--serial`.
    pub label: String,
    pub pairs: Vec<Arc<PairPlan>>,
}

#[derive(Debug)]
pub struct PairPlan {
    pub pair: Pair,
    /// Variables and builtins every step of this pair renders with (no run-time values yet).
    pub context: Context,
    pub steps: Vec<PlannedStep>,
    /// The rollback phases this run may need for the pair (see `exec/rollback.rs`), rendered
    /// now like every other step: phase name -> its steps.
    pub rollbacks: std::collections::BTreeMap<String, Vec<PlannedStep>>,
    pub masker: Masker,
    /// Role `secrets:` plus defaults: used to decide which registers are secret at run time.
    pub secret_names: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct PlannedStep {
    pub step: Arc<Step>,
    /// The step's name, with the loop item for looped steps: `rsync [/var/spool/cyrus/]`.
    pub label: String,
    pub item: Option<serde_json::Value>,
    /// The command as rendered at plan time. When `deferred`, run-time values (registers, host
    /// keys) appear as `<runtime:NAME>` placeholders and the executor renders it again.
    pub script: Option<String>,
    pub deferred: bool,
    /// Set when a `when:` condition that needs no run-time value is already false.
    pub skipped: Option<String>,
    /// How many steps of this step's parallel group may run at once.
    pub max_parallel: usize,
}

impl PairPlan {
    /// The context of one step: the pair's variables plus the loop item.
    pub fn step_context(&self, step: &PlannedStep) -> Context {
        let mut ctx = self.context.clone();
        if let Some(item) = &step.item {
            ctx.insert("item", item);
        }
        ctx
    }
}

/// Which phases one pair runs (see `PlanRequest::phases_for`).
pub type PhasesFor<'a> = dyn Fn(&Pair) -> Vec<String> + 'a;

pub struct PlanRequest<'a> {
    pub inventory: &'a Inventory,
    pub selected: &'a [usize],
    pub role: Arc<Role>,
    /// Requested phases; empty means every phase of the role.
    pub phases: &'a [String],
    pub serial: Option<&'a [Batch]>,
    pub check_mode: bool,
    /// Per-pair phases (`migrate` resumes each pair after its last completed phase); `None`:
    /// every pair runs `phases`. Returned names must be phases of the role.
    pub phases_for: Option<&'a PhasesFor<'a>>,
}

pub fn build(req: PlanRequest<'_>) -> Result<Plan> {
    let role = req.role.clone();
    let mut phases = resolve_phases(&role, req.phases)?;
    // Every value the inventory sets, against the role's declarations, before any rendering: a
    // typo in a variable's name or value never reaches a host.
    let refused = crate::role::vars::check_inventory(&role.name, &role.var_specs, req.inventory);
    if !refused.is_empty() {
        return Err(Error::BadInput(Diagnostics(refused)));
    }
    // The same template error usually repeats for every pair: report it once, naming the pairs.
    let mut errors: Vec<(Diagnostic, Vec<String>)> = Vec::new();
    let mut pair_plans = Vec::new();
    for &index in req.selected {
        let pair = &req.inventory.pairs[index];
        let pair_phases = match req.phases_for {
            Some(f) => resolve_phases(&role, &f(pair))?,
            None => phases.clone(),
        };
        match plan_pair(req.inventory, pair, &role, &pair_phases, req.check_mode) {
            Ok(plan) => pair_plans.push(Arc::new(plan)),
            Err(diags) => {
                for diag in diags {
                    match errors.iter_mut().find(|(d, _)| *d == diag) {
                        Some((_, pairs)) if pairs.last() == Some(&pair.name) => {}
                        Some((_, pairs)) => pairs.push(pair.name.clone()),
                        None => errors.push((diag, vec![pair.name.clone()])),
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        let diags = errors
            .into_iter()
            .map(|(mut d, pairs)| {
                let which = if pairs.len() == 1 { "pair" } else { "pairs" };
                d.message = format!("{} (rendering for {which} {})", d.message, pairs.join(", "));
                d
            })
            .collect();
        return Err(Error::BadInput(Diagnostics(diags)));
    }
    if req.phases_for.is_some() {
        // The phases some pair runs, in the role's order.
        phases.retain(|p| pair_plans.iter().any(|pp| pp.steps.iter().any(|s| s.step.phase == *p)));
    }
    let waves = serial::waves(pair_plans, req.serial);
    Ok(Plan { role, phases, waves, check_mode: req.check_mode, inventory_path: req.inventory.path.clone() })
}

/// The plan of `bmfleet exec`: one ad-hoc command on the chosen hosts of each pair, as is.
pub fn adhoc(
    inventory: &Inventory,
    selected: &[usize],
    command: &str,
    sides: &[crate::role::StepHost],
    timeout: std::time::Duration,
) -> Plan {
    let steps: Vec<crate::role::Step> = sides
        .iter()
        .map(|&on| crate::role::Step::adhoc("exec", &format!("{on:?}").to_lowercase(), on, timeout))
        .collect();
    let role = Arc::new(Role::adhoc("exec", "exec", steps));
    let pairs = selected
        .iter()
        .map(|&i| {
            let pair = &inventory.pairs[i];
            let steps = role.phases[0]
                .steps
                .iter()
                .map(|step| PlannedStep {
                    step: step.clone(),
                    label: step.name.clone(),
                    item: None,
                    script: Some(command.to_string()),
                    deferred: false,
                    skipped: None,
                    max_parallel: sides.len(),
                })
                .collect();
            Arc::new(PairPlan {
                pair: pair.clone(),
                context: Context::new(),
                steps,
                rollbacks: Default::default(),
                masker: Masker::default(),
                secret_names: Vec::new(),
            })
        })
        .collect();
    Plan {
        role,
        phases: vec!["exec".into()],
        waves: serial::waves(pairs, None),
        check_mode: false,
        inventory_path: inventory.path.clone(),
    }
}

/// Requested phases, checked and put in the role's order (running `cold-sync hot-sync` means
/// hot-sync first: the role's order is the procedure's order).
pub fn resolve_phases(role: &Role, requested: &[String]) -> Result<Vec<String>> {
    if requested.is_empty() {
        // Every phase of the sequence: standalone phases (rollbacks) run only when named.
        return Ok(role.sequence().into_iter().map(String::from).collect());
    }
    for name in requested {
        if role.phase(name).is_none() {
            let names = role.phase_names();
            let help = match crate::suggest::closest(name, names.iter().copied()) {
                Some(close) => format!(
                    "did you mean `{close}`? The phases of role `{}` are: {}",
                    role.name,
                    names.join(", ")
                ),
                None => format!("the phases of role `{}` are: {}", role.name, names.join(", ")),
            };
            return Err(Error::input(
                Diagnostic::new(format!("role `{}` has no phase `{name}`", role.name)).help(help),
            ));
        }
    }
    Ok(role
        .phase_names()
        .into_iter()
        .filter(|p| requested.iter().any(|r| r == p))
        .map(String::from)
        .collect())
}

fn plan_pair(
    inventory: &Inventory,
    pair: &Pair,
    role: &Role,
    phases: &[String],
    check_mode: bool,
) -> std::result::Result<PairPlan, Vec<Diagnostic>> {
    // The values were checked against the role's declarations (`build`); a duration is seen by
    // the templates as its seconds.
    let vars = merged_vars(inventory, pair, &role.defaults);
    let mut masker = Masker::default();
    let mut context = Context::new();
    for (name, (value, _)) in &vars {
        if is_secret_name(name, &role.secrets) {
            masker.add_json(value);
        }
        match role.var_specs.get(name) {
            Some(spec) => context.insert(name.clone(), &spec.normalize(value)),
            None => context.insert(name.clone(), value),
        }
    }
    insert_builtins(&mut context, pair, check_mode);

    let mut errors = Vec::new();
    let mut steps = Vec::new();
    // Run-time names available so far: the facts, then each register as its step is passed.
    let mut runtime: BTreeSet<String> = FACTS.iter().map(|s| s.to_string()).collect();
    for phase_name in phases {
        plan_phase(role, phase_name, &context, &mut runtime, &mut steps, &mut errors);
    }
    let mut rollbacks = std::collections::BTreeMap::new();
    for rollback in rollbacks_needed(role, phases) {
        let mut runtime: BTreeSet<String> = FACTS.iter().map(|s| s.to_string()).collect();
        let mut planned = Vec::new();
        plan_phase(role, &rollback, &context, &mut runtime, &mut planned, &mut errors);
        rollbacks.insert(rollback, planned);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(PairPlan { pair: pair.clone(), context, steps, rollbacks, masker, secret_names: role.secrets.clone() })
}

/// Every step of one phase, planned (loop items expanded); errors are collected.
fn plan_phase(
    role: &Role,
    phase_name: &str,
    context: &Context,
    runtime: &mut BTreeSet<String>,
    steps: &mut Vec<PlannedStep>,
    errors: &mut Vec<Diagnostic>,
) {
    let phase = role.phase(phase_name).expect("phases were resolved against the role");
    for step in &phase.steps {
        let items = match loop_items(step, context) {
            Ok(items) => items,
            Err(d) => {
                errors.push(d);
                continue;
            }
        };
        for item in items {
            match plan_step(role, step, item, context, runtime) {
                Ok(planned) => steps.push(planned),
                Err(d) => errors.push(d),
            }
        }
        if let Some(register) = &step.register {
            runtime.insert(register.clone());
        }
    }
}

/// The rollbacks a pair running `phases` may need: those of every phase of the role up to the
/// last non-standalone phase of the run (a phase completed by an earlier run arms its rollback
/// for the phases after it, see `exec/arming.rs`).
pub fn rollbacks_needed(role: &Role, phases: &[String]) -> Vec<String> {
    let last = role.phases.iter().rposition(|p| !p.standalone && phases.contains(&p.name));
    let mut names: Vec<String> = Vec::new();
    for phase in &role.phases[..last.map_or(0, |i| i + 1)] {
        if let Some(r) = &phase.rollback
            && !names.contains(r)
        {
            names.push(r.clone());
        }
    }
    names
}

/// Variables bmfleet defines for every step (see `inventory::RESERVED_VARS`).
fn insert_builtins(context: &mut Context, pair: &Pair, check_mode: bool) {
    context
        .insert("pair", &serde_json::json!({ "name": pair.name, "wave": pair.wave, "groups": pair.groups }));
    for (key, ep) in [("origin", &pair.origin), ("target", &pair.target)] {
        context.insert(
            key,
            &serde_json::json!({
                "host": ep.host, "address": ep.address, "port": ep.port, "user": ep.user,
                "become": ep.r#become.is_some(),
            }),
        );
    }
    context.insert("check_mode", &check_mode);
}

fn loop_items(
    step: &Step,
    context: &Context,
) -> std::result::Result<Vec<Option<serde_json::Value>>, Diagnostic> {
    let Some(var) = &step.loop_over else { return Ok(vec![None]) };
    let located = |msg: String| Diagnostic::new(msg).at(step.location.clone(), None);
    let value = context
        .get(var)
        .ok_or_else(|| located(format!("step `{}` loops over `{var}`, which is not defined", step.id())))?;
    let json: serde_json::Value = serde_json::to_value(value).map_err(|e| located(e.to_string()))?;
    match json {
        serde_json::Value::Array(items) => Ok(items.into_iter().map(Some).collect()),
        other => {
            Err(located(format!("step `{}` loops over `{var}`, which is not a list but {other}", step.id())))
        }
    }
}

fn plan_step(
    role: &Role,
    step: &Arc<Step>,
    item: Option<serde_json::Value>,
    context: &Context,
    runtime: &BTreeSet<String>,
) -> std::result::Result<PlannedStep, Diagnostic> {
    let renderer = role.renderer();
    let label = match &item {
        Some(serde_json::Value::String(s)) => format!("{} [{s}]", step.name),
        Some(other) => format!("{} [{other}]", step.name),
        None => step.name.clone(),
    };
    // Which run-time values does the step need? Registers of later steps, or of phases not in
    // this run, will not exist when it runs: say so now rather than fail mid-fleet.
    let all_registers: BTreeSet<String> =
        role.phases.iter().flat_map(|p| p.steps.iter().filter_map(|s| s.register.clone())).collect();
    let mut deferred = false;
    for name in &step.uses {
        if runtime.contains(name) {
            deferred = true;
        } else if all_registers.contains(name) && !context.contains_key(name) {
            return Err(Diagnostic::new(format!(
                "step `{}` uses `{name}`, which is registered by a step that does not run before it in this run",
                step.id()
            ))
            .at(step.location.clone(), None)
            .help("run the phase that registers it in the same command, or move the step"));
        }
    }
    let mut ctx = context.clone();
    if let Some(item) = &item {
        ctx.insert("item", item);
    }
    for name in runtime {
        if !ctx.contains_key(name) {
            ctx.insert(name.clone(), &format!("<runtime:{name}>"));
        }
    }

    let mut skipped = None;
    if let Some(when) = &step.when {
        let needs_runtime = renderer.variables(&when.template).iter().any(|v| runtime.contains(v));
        if needs_runtime {
            deferred = true;
        } else if !renderer.eval(&when.template, &ctx).map_err(|e| e.0)? {
            skipped = Some(format!("when: {}", when.source));
        }
    }
    let script = match &step.script {
        Some(name) => Some(renderer.render_shell(name, &ctx).map_err(|e| e.0)?),
        None => None,
    };
    let max_parallel = match &step.max_parallel {
        None => crate::role::DEFAULT_MAX_PARALLEL,
        Some(count) => resolve_count(count, &ctx).ok_or_else(|| {
            Diagnostic::new(format!("step `{}`: `max_parallel` must be a positive number", step.id()))
                .at(step.location.clone(), None)
        })?,
    };
    Ok(PlannedStep { step: step.clone(), label, item, script, deferred, skipped, max_parallel })
}

fn resolve_count(count: &crate::role::Count, ctx: &Context) -> Option<usize> {
    match count {
        crate::role::Count::Number(n) => Some(*n as usize),
        crate::role::Count::Var(v) => {
            let value = serde_json::to_value(ctx.get(v)?).ok()?;
            let n = value.as_u64().or_else(|| value.as_str()?.parse().ok())?;
            (n > 0).then_some(n as usize)
        }
    }
}

#[cfg(test)]
mod shellcheck_tests;
#[cfg(test)]
mod tests;

//! Showing a plan: as text for operators (`bmfleet plan`, `--check`), as JSON for tools. The
//! text is one line per step (phase/step, host, key flags) by default, since a fleet's full
//! shell runs to thousands of lines; with the scripts (`--script`, or a single pair) it shows the
//! exact shell each step would run, as the JSON always does, with secrets masked.

use serde::Serialize;

use super::{PairPlan, Plan, PlannedStep};
use crate::role::StepHost;

/// The plan with every step's script.
#[cfg(test)]
pub fn render_text(plan: &Plan) -> String {
    render_text_view(plan, true)
}

/// The plan, with the scripts or one line per step.
pub fn render_text_view(plan: &Plan, scripts: bool) -> String {
    let pairs: usize = plan.waves.iter().map(|w| w.pairs.len()).sum();
    let mut out = format!(
        "Plan: role `{}`, phases {}; {} in {} ({})\n",
        plan.role.name,
        plan.phases.join(", "),
        count(pairs, "pair"),
        count(plan.waves.len(), "wave"),
        plan.inventory_path.display(),
    );
    if plan.check_mode {
        out.push_str("Check mode: only read-only probes would run; every other step is shown, not run.\n");
    }
    for wave in &plan.waves {
        out.push_str(&format!("\n== {} ({})\n", wave.label, count(wave.pairs.len(), "pair")));
        for pair in &wave.pairs {
            pair_text(&mut out, pair, &plan.role, (plan.check_mode, scripts));
        }
    }
    out
}

/// `view`: (check mode, with scripts).
fn pair_text(out: &mut String, plan: &PairPlan, role: &crate::role::Role, view: (bool, bool)) {
    let pair = &plan.pair;
    out.push_str(&format!(
        "\n-- pair {}: origin {}, target {}\n",
        pair.name,
        pair.origin.display(),
        pair.target.display()
    ));
    steps_text(out, plan, &plan.steps, view);
    for (name, steps) in &plan.rollbacks {
        out.push_str(&format!(
            "   on failure until the point of no return: rollback `{name}`{}\n",
            match role.phase(name).and_then(|p| p.message.as_ref().or(p.description.as_ref())) {
                Some(what) => format!(" ({what})"),
                None => String::new(),
            }
        ));
        steps_text(out, plan, steps, view);
    }
}

fn steps_text(out: &mut String, plan: &PairPlan, steps: &[PlannedStep], (check_mode, scripts): (bool, bool)) {
    let mut phase = "";
    for step in steps {
        if !scripts {
            let what = describe(plan, step, check_mode);
            out.push_str(&format!("   {}/{} ({what})\n", step.step.phase, step.label));
            continue;
        }
        if step.step.phase != phase {
            phase = &step.step.phase;
            out.push_str(&format!("   [{phase}]\n"));
        }
        out.push_str(&format!("   - {} ({})\n", step.label, describe(plan, step, check_mode)));
        if let Some(script) = &step.script {
            for line in plan.masker.mask(script).trim_end().lines() {
                out.push_str(&format!("       {line}\n"));
            }
        }
        if let Some(assert) = &step.step.assert {
            for that in &assert.that {
                out.push_str(&format!("       assert: {}\n", that.source));
            }
        }
    }
}

fn describe(plan: &PairPlan, step: &PlannedStep, check_mode: bool) -> String {
    let s = &step.step;
    let mut parts = vec![match s.on {
        StepHost::Origin => format!("on origin {}", plan.pair.origin.host),
        StepHost::Target => format!("on target {}", plan.pair.target.host),
        StepHost::Controller => "on controller".to_string(),
    }];
    if s.point_of_no_return {
        parts.push("POINT OF NO RETURN".into());
    }
    if s.probe {
        parts.push("probe".into());
    } else if check_mode {
        parts.push("not run in check mode".into());
    }
    if let Some(group) = &s.parallel {
        parts.push(format!("parallel group {group}, {} at once", step.max_parallel));
    }
    if let Some(register) = &s.register {
        parts.push(format!("registers {register}"));
    }
    if s.retries > 0 {
        parts.push(format!("retries {}", s.retries));
    }
    parts.push(format!("timeout {}", humanize(s.timeout)));
    if let Some(when) = &s.when {
        parts.push(format!("when {}", when.source));
    }
    if let Some(reason) = &step.skipped {
        parts.push(format!("SKIPPED ({reason})"));
    }
    if step.deferred {
        parts.push("completed at run time".into());
    }
    parts.join(", ")
}

pub fn humanize(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    match secs {
        s if s >= 3600 && s % 3600 == 0 => format!("{}h", s / 3600),
        s if s >= 60 && s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn count(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

/// `plan --format json`'s shape; raised when a key changes meaning or goes away (docs/json.md).
pub const PLAN_FORMAT: u32 = 1;

#[derive(Serialize)]
struct JsonPlan<'a> {
    format: u32,
    role: &'a str,
    phases: &'a [String],
    check_mode: bool,
    waves: Vec<JsonWave<'a>>,
}

#[derive(Serialize)]
struct JsonWave<'a> {
    /// For people: "wave 1", "wave 1 batch 2/3".
    label: &'a str,
    /// The wave's number, and its batch (1-based) and batches under `--serial`.
    wave: Option<u32>,
    batch: Option<u32>,
    batches: Option<u32>,
    pairs: Vec<JsonPair<'a>>,
}

#[derive(Serialize)]
struct JsonPair<'a> {
    name: &'a str,
    wave: u32,
    origin: JsonEndpoint<'a>,
    target: JsonEndpoint<'a>,
    steps: Vec<JsonStep<'a>>,
    /// Rollback phase -> its steps, run on failure until the point of no return.
    rollbacks: std::collections::BTreeMap<&'a str, Vec<JsonStep<'a>>>,
}

#[derive(Serialize)]
struct JsonEndpoint<'a> {
    user: &'a str,
    host: &'a str,
    port: u16,
}

impl<'a> JsonEndpoint<'a> {
    fn of(e: &'a crate::ssh::Endpoint) -> Self {
        JsonEndpoint { user: &e.user, host: &e.host, port: e.port }
    }
}

/// "wave 1 batch 2/3" -> (1, 2, 3): the label `plan/serial.rs` makes, as numbers.
fn wave_numbers(label: &str) -> (Option<u32>, Option<u32>, Option<u32>) {
    let mut words = label.split(' ').skip(1);
    let wave = words.next().and_then(|w| w.parse().ok());
    let batch = words.nth(1).and_then(|b| b.split_once('/'));
    let (batch, batches) = batch.map_or((None, None), |(i, n)| (i.parse().ok(), n.parse().ok()));
    (wave, batch, batches)
}

#[derive(Serialize)]
struct JsonStep<'a> {
    phase: &'a str,
    name: &'a str,
    on: StepHost,
    host: Option<&'a str>,
    probe: bool,
    script: Option<String>,
    deferred: bool,
    skipped: Option<&'a str>,
    parallel: Option<&'a str>,
    register: Option<&'a str>,
    timeout_secs: u64,
    point_of_no_return: bool,
}

pub fn render_json(plan: &Plan) -> String {
    let json = JsonPlan {
        format: PLAN_FORMAT,
        role: &plan.role.name,
        phases: &plan.phases,
        check_mode: plan.check_mode,
        waves: plan
            .waves
            .iter()
            .map(|w| {
                let (wave, batch, batches) = wave_numbers(&w.label);
                JsonWave {
                    label: &w.label,
                    wave,
                    batch,
                    batches,
                    pairs: w.pairs.iter().map(|p| json_pair(p)).collect(),
                }
            })
            .collect(),
    };
    serde_json::to_string_pretty(&json).expect("a plan always serializes")
}

fn json_pair(plan: &PairPlan) -> JsonPair<'_> {
    JsonPair {
        name: &plan.pair.name,
        wave: plan.pair.wave,
        origin: JsonEndpoint::of(&plan.pair.origin),
        target: JsonEndpoint::of(&plan.pair.target),
        steps: plan.steps.iter().map(|s| json_step(plan, s)).collect(),
        rollbacks: plan
            .rollbacks
            .iter()
            .map(|(name, steps)| (name.as_str(), steps.iter().map(|s| json_step(plan, s)).collect()))
            .collect(),
    }
}

fn json_step<'a>(plan: &'a PairPlan, s: &'a PlannedStep) -> JsonStep<'a> {
    JsonStep {
        phase: &s.step.phase,
        name: &s.label,
        on: s.step.on,
        host: match s.step.on {
            StepHost::Origin => Some(&plan.pair.origin.host),
            StepHost::Target => Some(&plan.pair.target.host),
            StepHost::Controller => None,
        },
        probe: s.step.probe,
        script: s.script.as_deref().map(|sc| plan.masker.mask(sc).into_owned()),
        deferred: s.deferred,
        skipped: s.skipped.as_deref(),
        parallel: s.step.parallel.as_deref(),
        register: s.step.register.as_deref(),
        timeout_secs: s.step.timeout.as_secs(),
        point_of_no_return: s.step.point_of_no_return,
    }
}

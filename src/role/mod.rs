//! Roles: the BlueMind knowledge of bmfleet, kept as data. A role is a directory holding
//! `role.yml` (defaults and ordered phases, each a list of steps) and the templates its steps
//! render. The engine knows nothing about BlueMind; it loads a role, renders its steps for each
//! pair (`render.rs`) and runs them.

pub mod escape;
pub mod files;
pub mod journal;
mod lint;
mod load;
#[cfg(test)]
mod phase_docs_tests;
mod render;
mod schema;
pub mod vars;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use load::{load, load_from};
pub use render::{Renderer, is_secret_name};
pub use schema::{AfterPointOfNoReturn, Count, OutputParser, StepHost};

use crate::diag::Location;
use crate::inventory::Vars;

/// Variables the engine provides at run time (from the SSH connections), besides registers.
pub const FACTS: &[&str] = &["origin_hostkey_pub", "target_hostkey_pub", "run_id"];

/// Steps of one parallel group running at once on a pair, unless the step says otherwise. Stays
/// under OpenSSH's default `MaxSessions 10` with room for the pair's other channels.
pub const DEFAULT_MAX_PARALLEL: usize = 7;

/// Timeout of a step that sets none and whose role sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3600);

#[derive(Debug)]
pub struct Role {
    pub name: String,
    pub dir: PathBuf,
    /// Extra variable names to mask (besides the `*password`, `*token`, `*secret`, `*key` ones).
    pub secrets: Vec<String>,
    pub defaults: Vars,
    /// What the role accepts in its variables (`role.yml`'s `vars:`), checked at plan time.
    pub var_specs: vars::VarSpecs,
    pub phases: Vec<Phase>,
    /// What the journal keeps for the role's syncs and downtime (`role.yml`'s `journal:`).
    pub journal: journal::JournalSpec,
    pub(crate) renderer: Renderer,
}

impl Role {
    /// Where the role was loaded from, said in `plan` and run summaries: a `./roles` directory
    /// silently winning over the built-in role would otherwise go unnoticed.
    pub fn loaded_from(&self) -> String {
        if self.dir.as_os_str().is_empty() {
            "built into bmfleet".to_string()
        } else {
            let dir = std::fs::canonicalize(&self.dir).unwrap_or_else(|_| self.dir.clone());
            format!("from {}", dir.display())
        }
    }

    /// `NAME (built into bmfleet)` or `NAME (from /path)`.
    /// The role's directory, canonical; `None` for the role built into bmfleet (for JSON).
    pub fn dir_loaded_from(&self) -> Option<String> {
        if self.dir.as_os_str().is_empty() {
            return None;
        }
        let dir = std::fs::canonicalize(&self.dir).unwrap_or_else(|_| self.dir.clone());
        Some(dir.display().to_string())
    }

    pub fn describe(&self) -> String {
        format!("{} ({})", self.name, self.loaded_from())
    }
}

#[derive(Debug)]
pub struct Phase {
    pub name: String,
    pub description: Option<String>,
    pub requires: Vec<String>,
    pub resets: Vec<String>,
    pub confirm: Option<String>,
    /// The phase that undoes this one's effect while the pair is before its point of no return.
    pub rollback: Option<String>,
    /// Not part of `migrate`'s sequence (run by its own command only).
    pub standalone: bool,
    /// Refused without `--limit` (see `commands/guard.rs`).
    pub needs_limit: bool,
    /// Refused on more than one wave without `--limit`, unless `--yes` (see `commands/guard.rs`).
    pub stops_services: bool,
    pub after_point_of_no_return: AfterPointOfNoReturn,
    /// What the summary says of a pair this phase rolled back.
    pub message: Option<String>,
    /// Changes nothing on the hosts: its command takes no lock on the targets.
    pub read_only: bool,
    /// Run first by every phase command's `--check`.
    pub precheck: bool,
    /// Why it may run unattended (`bmfleet schedule install`); `None`: it needs an operator.
    pub schedule: Option<String>,
    /// `(phase, flag)`: `bmfleet PHASE --FLAG` runs this phase (`trust --revoke`).
    pub flag_of: Option<(String, String)>,
    pub steps: Vec<Arc<Step>>,
}

#[derive(Debug)]
pub struct Step {
    pub phase: String,
    pub name: String,
    pub on: StepHost,
    /// Name of the shell template in the renderer; `None` for an assertion-only step.
    pub script: Option<String>,
    pub ok_codes: Vec<i32>,
    pub warn_codes: Vec<i32>,
    pub timeout: Duration,
    pub retries: u32,
    pub retry_delay: Duration,
    /// Name of the condition template (renders `true`/`false`).
    pub when: Option<Expr>,
    pub register: Option<String>,
    pub assert: Option<Assert>,
    pub parallel: Option<String>,
    pub max_parallel: Option<schema::Count>,
    /// Names of steps of the same parallel group that must end before this one starts.
    pub after: Vec<String>,
    pub probe: bool,
    pub loop_over: Option<String>,
    pub check: Option<String>,
    pub progress: Option<OutputParser>,
    pub stats: Option<OutputParser>,
    pub record: Option<String>,
    /// Journal the step's last stdout line, an unsigned integer, under this name.
    pub record_value: Option<String>,
    /// Starting this step disarms the pair's rollback for good.
    pub point_of_no_return: bool,
    /// Its `BMFLEET-MANUAL:` lines are actions left to the operator (else plain output).
    pub manual_actions: bool,
    pub location: Location,
    /// Top-level variables any of the step's templates reference.
    pub uses: BTreeSet<String>,
}

/// A tera expression (`when:`, `assert.that`), compiled as a template that renders true/false.
#[derive(Debug, Clone)]
pub struct Expr {
    pub source: String,
    pub template: String,
}

#[derive(Debug, Clone)]
pub struct Assert {
    pub that: Vec<Expr>,
    /// Template name of the failure message.
    pub message: String,
}

impl Role {
    pub fn phase(&self, name: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| p.name == name)
    }

    pub fn phase_names(&self) -> Vec<&str> {
        self.phases.iter().map(|p| p.name.as_str()).collect()
    }

    /// The phases `migrate` runs, in order (every phase but the standalone ones).
    pub fn sequence(&self) -> Vec<&str> {
        self.phases.iter().filter(|p| !p.standalone).map(|p| p.name.as_str()).collect()
    }

    /// The phase `bmfleet NAME [--FLAG...]` runs: NAME itself, or the phase declaring
    /// `flag_of: { phase: NAME, flag: FLAG }` for a flag given (`trust --revoke`).
    pub fn phase_for_command(&self, name: &str, flags: &[String]) -> Option<&Phase> {
        match flags.first() {
            None => self.phase(name),
            Some(flag) => {
                self.phases.iter().find(|p| p.flag_of.as_ref().is_some_and(|(of, f)| of == name && f == flag))
            }
        }
    }

    /// The phases run by a flag of `name`'s command: `(flag, phase)`.
    pub fn flags_of(&self, name: &str) -> Vec<(&str, &Phase)> {
        self.phases
            .iter()
            .filter_map(|p| p.flag_of.as_ref().filter(|(of, _)| of == name).map(|(_, f)| (f.as_str(), p)))
            .collect()
    }

    /// The phases every phase command's `--check` runs first (`precheck: true`).
    pub fn prechecks(&self) -> Vec<&str> {
        self.phases.iter().filter(|p| p.precheck).map(|p| p.name.as_str()).collect()
    }

    /// Whether every phase named is `read_only` (a run of them changes no host).
    pub fn read_only(&self, phases: &[String]) -> bool {
        !phases.is_empty() && phases.iter().all(|n| self.phase(n).is_some_and(|p| p.read_only))
    }

    pub fn renderer(&self) -> &Renderer {
        &self.renderer
    }
}

impl Role {
    /// A role made in code, with no templates (the ad-hoc commands of `bmfleet exec`).
    pub fn adhoc(name: &str, phase: &str, steps: Vec<Step>) -> Role {
        Role {
            name: name.to_string(),
            dir: PathBuf::new(),
            secrets: Vec::new(),
            defaults: Vars::new(),
            var_specs: vars::VarSpecs::new(),
            phases: vec![Phase {
                name: phase.to_string(),
                description: None,
                requires: Vec::new(),
                resets: Vec::new(),
                confirm: None,
                rollback: None,
                standalone: false,
                needs_limit: false,
                stops_services: false,
                after_point_of_no_return: AfterPointOfNoReturn::Allow,
                message: None,
                read_only: false,
                precheck: false,
                schedule: None,
                flag_of: None,
                steps: steps.into_iter().map(Arc::new).collect(),
            }],
            journal: journal::JournalSpec::default(),
            renderer: Renderer::new(),
        }
    }
}

/// What a step is when role.yml says nothing but its name: the defaults `load.rs` applies
/// too (exit 0 is success, the default timeout, 5 s between retries). Code that makes steps
/// (`Step::adhoc`, tests) writes only what differs, so a new plain step key is added here, in
/// `schema.rs` and in `load.rs`, nowhere else.
impl Default for Step {
    fn default() -> Self {
        Step {
            phase: String::new(),
            name: String::new(),
            on: StepHost::Controller,
            script: None,
            ok_codes: vec![0],
            warn_codes: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            retries: 0,
            retry_delay: Duration::from_secs(5),
            when: None,
            register: None,
            assert: None,
            parallel: None,
            max_parallel: None,
            after: Vec::new(),
            probe: false,
            loop_over: None,
            check: None,
            progress: None,
            stats: None,
            record: None,
            record_value: None,
            point_of_no_return: false,
            manual_actions: false,
            location: Location::new("<built in>", 1, 1),
            uses: BTreeSet::new(),
        }
    }
}

impl Step {
    /// A step whose script is given as is, not rendered (see `Role::adhoc`).
    pub fn adhoc(phase: &str, name: &str, on: StepHost, timeout: Duration) -> Step {
        Step {
            phase: phase.to_string(),
            name: name.to_string(),
            on,
            script: Some(String::from("<ad hoc>")),
            timeout,
            retry_delay: Duration::ZERO,
            parallel: Some("adhoc".into()),
            probe: true,
            location: Location::new("<command line>", 1, 1),
            ..Step::default()
        }
    }

    /// `phase/step`, unique within a role.
    pub fn id(&self) -> String {
        format!("{}/{}", self.phase, self.name)
    }
}

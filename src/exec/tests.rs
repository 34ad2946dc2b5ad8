//! The executor's rules, in process: plans of a small role run on scripted fake hosts (no root,
//! no fleet, no network). Each test breaks when its rule does. The fleet tests (tests/fleet_*)
//! stay for what only real sshd, rsync and PostgreSQL can prove.
//!
//! The fake hosts are `tests/fake.rs`; this file is the harness (`Run`, `Outcome`, the small
//! roles) and the list of rules, one file each.

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::*;
use crate::outcome::{Event, Reporter, StepStatus};
use crate::plan::PlanRequest;
use fake::{FakeHosts, Log, Started};

/// The scripted fake hosts every test runs on.
mod fake;
/// The rules where the run meets the journal (issue #27), in their own file.
mod journal;
/// Which steps may leave actions to the operator (issue #27).
mod manual;
/// Rollback and the point of no return.
mod rollback;
/// A pair's steps: checks, `after:`, retries, records and values.
mod steps;
/// Stopping a run: deadline, first and second Ctrl-C.
mod stop;
/// Waves and the failure policy.
mod waves;

#[derive(Default)]
struct Events(Mutex<Vec<Event>>);

impl Reporter for Events {
    fn event(&self, event: &Event) {
        self.0.lock().unwrap().push(event.clone());
    }
}

/// Pairs a..d: a, b in wave 1, c, d in wave 2 (origins oa.., targets ta..).
const INVENTORY: &str = r#"
pairs:
  - { name: a, wave: 1, origin: { host: oa }, target: { host: ta } }
  - { name: b, wave: 1, origin: { host: ob }, target: { host: tb } }
  - { name: c, wave: 2, origin: { host: oc }, target: { host: tc } }
  - { name: d, wave: 2, origin: { host: od }, target: { host: td } }
"#;

/// One run of a role on fake hosts.
struct Run {
    role: String,
    phases: Vec<String>,
    options: RunOptions,
    serial: Option<String>,
    unreachable: HashSet<String>,
    /// Raised at these delays after the start.
    cancels: Vec<(Duration, Level)>,
    hooks: Arc<dyn Hooks>,
}

struct Outcome {
    report: RunReport,
    log: Arc<Log>,
    events: Vec<Event>,
}

impl Outcome {
    fn pair(&self, name: &str) -> &PairReport {
        self.report.pairs.iter().find(|p| p.pair == name).unwrap_or_else(|| panic!("no pair {name}"))
    }

    fn status(&self, name: &str) -> PairStatus {
        self.pair(name).status
    }

    /// The attempts of step `label` of `pair`, as StepFinished statuses.
    fn finished(&self, pair: &str, label: &str) -> Vec<StepStatus> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::StepFinished { pair: p, step, status, .. } if p == pair && step == label => {
                    Some(status.clone())
                }
                _ => None,
            })
            .collect()
    }
}

impl Run {
    fn new(role: &str) -> Run {
        Run {
            role: role.to_string(),
            phases: Vec::new(),
            options: RunOptions {
                handle_signals: false,
                grace: Duration::from_secs(5),
                ..RunOptions::default()
            },
            serial: None,
            unreachable: HashSet::new(),
            cancels: Vec::new(),
            hooks: Arc::new(NoHooks),
        }
    }

    fn phases(mut self, phases: &[&str]) -> Run {
        self.phases = phases.iter().map(|s| s.to_string()).collect();
        self
    }

    async fn go(self) -> Outcome {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("role.yml"), &self.role).unwrap();
        let role = Arc::new(crate::role::load(dir.path()).expect("the test role loads"));
        let inventory = crate::inventory::parse(Path::new("inv.yml"), INVENTORY).unwrap();
        let selected: Vec<usize> = (0..inventory.pairs.len()).collect();
        let serial = self.serial.as_deref().map(|s| crate::values::serial(s).unwrap().0);
        let plan = crate::plan::build(PlanRequest {
            inventory: &inventory,
            selected: &selected,
            role,
            phases: &self.phases,
            serial: serial.as_deref(),
            check_mode: false,
            phases_for: None,
        })
        .expect("the test plan builds");
        let log = Arc::new(Log::default());
        let hosts = Arc::new(FakeHosts { log: log.clone(), unreachable: self.unreachable });
        let events = Arc::new(Events::default());
        let cancel = Cancel::default();
        for (after, level) in self.cancels {
            let cancel = cancel.clone();
            tokio::spawn(async move {
                tokio::time::sleep(after).await;
                cancel.raise(level);
            });
        }
        let report = execute_on(&plan, &self.options, hosts, events.clone(), self.hooks, cancel).await;
        let events = events.0.lock().unwrap().clone();
        Outcome { report, log, events }
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A phase `p` of the given steps (YAML list items, indented by 6).
fn role(steps: &str) -> String {
    format!("name: t\nphases:\n  - name: p\n    steps:\n{steps}")
}

/// The YAML of a role: `phases` as given (the lines after `phases:`).
fn role_of(phases: &str) -> String {
    format!(
        "name: t\ndefaults:\n  items: [30, 60, 90]\n  codes: [0, 4]\nvars:\n  items: {{ each: integer, description: d }}\n  codes: {{ each: integer, description: d }}\nphases:\n{phases}"
    )
}

/// A step that fails (exit 2) on pair `pair` only.
fn fails_on(pair: &str) -> String {
    format!("{{% if pair.name == \"{pair}\" %}}exit 2{{% endif %}}")
}

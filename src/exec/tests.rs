//! The executor's rules, in process: plans of a small role run on scripted fake hosts (no root,
//! no fleet, no network). Each test breaks when its rule does. The fleet tests (tests/fleet_*)
//! stay for what only real sshd, rsync and PostgreSQL can prove.
//!
//! A fake host reads the step's script as a tiny language, one command a line:
//! `out TEXT`, `err TEXT`, `sleep MS`, `exit N`, `hang` (until stopped), `lose` (the channel
//! ends without an exit status), `fail-first N` (exit 1 for the first N starts of this script).

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use futures::future::BoxFuture;

use super::host::{Host, Hosts, NotStarted, OpenError, Process, ProcessEvent};
use super::*;
use crate::inventory::Endpoint;
use crate::outcome::{Event, Reporter, StepStatus, Stream};
use crate::plan::PlanRequest;

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

/// What ran where: one entry per started attempt.
#[derive(Debug, Clone)]
struct Started {
    host: String,
    /// The script's first line.
    first: String,
    at: Instant,
    ended: Arc<Mutex<Option<Instant>>>,
    stopped: Arc<Mutex<bool>>,
}

#[derive(Default)]
struct Log {
    started: Mutex<Vec<Started>>,
    starts_of: Mutex<HashMap<String, u32>>,
}

impl Log {
    fn started(&self) -> Vec<Started> {
        self.started.lock().unwrap().clone()
    }

    fn ran(&self, first: &str) -> Vec<Started> {
        self.started().into_iter().filter(|s| s.first == first).collect()
    }
}

struct FakeHosts {
    log: Arc<Log>,
    unreachable: HashSet<String>,
}

impl Hosts for FakeHosts {
    fn open<'a>(&'a self, endpoint: &'a Endpoint) -> BoxFuture<'a, Result<Arc<dyn Host>, OpenError>> {
        Box::pin(async move {
            if self.unreachable.contains(&endpoint.host) {
                return Err(OpenError { message: "no route to host".into(), unreachable: true });
            }
            Ok(Arc::new(FakeHost { name: endpoint.host.clone(), log: self.log.clone() }) as Arc<dyn Host>)
        })
    }

    fn controller(&self) -> Arc<dyn Host> {
        Arc::new(FakeHost { name: "controller".into(), log: self.log.clone() })
    }

    fn secrets(&self) -> Vec<String> {
        Vec::new()
    }

    fn heartbeat(&self) -> Duration {
        Duration::from_secs(1)
    }
}

struct FakeHost {
    name: String,
    log: Arc<Log>,
}

#[derive(Debug)]
enum Act {
    Out(Stream, String),
    Sleep(Duration),
    Exit(i32),
    Hang,
    Lose,
}

impl Host for FakeHost {
    fn start<'a>(
        &'a self,
        script: &'a str,
        _: Duration,
    ) -> BoxFuture<'a, Result<Box<dyn Process>, NotStarted>> {
        Box::pin(async move {
            let starts = {
                let mut map = self.log.starts_of.lock().unwrap();
                let n = map.entry(format!("{}\n{script}", self.name)).or_default();
                *n += 1;
                *n
            };
            let mut acts = VecDeque::new();
            for line in script.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let (cmd, arg) = line.split_once(' ').unwrap_or((line, ""));
                acts.push_back(match cmd {
                    "out" => Act::Out(Stream::Stdout, format!("{arg}\n")),
                    "err" => Act::Out(Stream::Stderr, format!("{arg}\n")),
                    "sleep" => Act::Sleep(Duration::from_millis(arg.parse().unwrap())),
                    "exit" => Act::Exit(arg.parse().unwrap()),
                    "hang" => Act::Hang,
                    "lose" => Act::Lose,
                    "fail-first" if starts <= arg.parse().unwrap() => Act::Exit(1),
                    "fail-first" => continue,
                    other => panic!("the fake host does not know `{other}` (script {script:?})"),
                });
            }
            let started = Started {
                host: self.name.clone(),
                first: script.lines().next().unwrap_or_default().trim().to_string(),
                at: Instant::now(),
                ended: Arc::default(),
                stopped: Arc::default(),
            };
            self.log.started.lock().unwrap().push(started.clone());
            Ok(Box::new(FakeProcess { acts, wake: None, started, exited: false }) as Box<dyn Process>)
        })
    }

    fn name(&self) -> &str {
        &self.name
    }
}

struct FakeProcess {
    acts: VecDeque<Act>,
    /// The end of the sleep in progress (kept across dropped `next` futures).
    wake: Option<tokio::time::Instant>,
    started: Started,
    exited: bool,
}

impl Process for FakeProcess {
    fn next(&mut self) -> BoxFuture<'_, ProcessEvent> {
        Box::pin(async move {
            loop {
                match self.acts.front() {
                    Some(Act::Sleep(d)) => {
                        let wake = *self.wake.get_or_insert_with(|| tokio::time::Instant::now() + *d);
                        tokio::time::sleep_until(wake).await;
                        self.wake = None;
                        self.acts.pop_front();
                    }
                    Some(Act::Hang) => futures::future::pending::<()>().await,
                    _ => break,
                }
            }
            match self.acts.pop_front() {
                Some(Act::Out(stream, text)) => ProcessEvent::Output(stream, text.into_bytes()),
                Some(Act::Exit(code)) => {
                    self.acts.clear();
                    self.exited = true;
                    *self.started.ended.lock().unwrap() = Some(Instant::now());
                    ProcessEvent::Exit(code)
                }
                // The end of the script is an exit 0, then the end of the output.
                None if !self.exited => {
                    self.exited = true;
                    *self.started.ended.lock().unwrap() = Some(Instant::now());
                    ProcessEvent::Exit(0)
                }
                Some(Act::Lose) | None => {
                    self.acts.clear();
                    self.started.ended.lock().unwrap().get_or_insert_with(Instant::now);
                    ProcessEvent::Closed
                }
                Some(Act::Sleep(_) | Act::Hang) => unreachable!("waited above"),
            }
        })
    }

    fn heartbeat(&mut self) -> BoxFuture<'_, Result<(), String>> {
        Box::pin(async { Ok(()) })
    }

    fn stop(&mut self) -> BoxFuture<'_, ()> {
        if self.started.ended.lock().unwrap().is_none() {
            *self.started.stopped.lock().unwrap() = true;
            *self.started.ended.lock().unwrap() = Some(Instant::now());
        }
        Box::pin(async {})
    }
}

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

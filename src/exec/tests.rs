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

#[tokio::test]
async fn a_step_runs_its_script_and_a_pair_succeeds() {
    let out = Run::new(&role("      - { name: one, on: target, run: \"out hello\" }\n")).go().await;
    assert_eq!(out.status("a"), PairStatus::Ok, "{:?}", out.pair("a"));
    assert_eq!(out.report.exit_code(), 0);
    let ran: Vec<String> = out.log.ran("out hello").iter().map(|s| s.host.clone()).collect();
    assert_eq!(ran.len(), 4, "{ran:?}");
    assert!(ran.contains(&"ta".to_string()));
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

#[tokio::test]
async fn every_check_of_a_phase_runs_before_it_fails_and_its_actions_do_not() {
    let out = Run::new(&role_of(
        r#"
  - name: p
    steps:
      - { name: c1, on: origin, check: first, run: "out c1" }
      - { name: c2, on: origin, check: second, run: "exit 3" }
      - { name: c3, on: target, check: third, run: "out c3" }
      - { name: act, on: target, run: "out act" }
  - name: q
    steps:
      - { name: later, on: target, run: "out later" }
"#,
    ))
    .go()
    .await;
    let a = out.pair("a");
    assert_eq!(a.status, PairStatus::Failed);
    assert_eq!(a.failed_step.as_deref(), Some("p/c2"));
    let verdicts: Vec<&str> = a.checks.iter().map(|c| c.result.as_str()).collect();
    assert_eq!(verdicts, ["ok", "failed", "ok"], "the checks table is complete");
    assert_eq!(out.log.ran("out c3").len(), 4, "the check after the failed one ran");
    assert!(out.log.ran("out act").is_empty(), "no action of a phase whose check failed");
    assert!(out.log.ran("out later").is_empty(), "no later phase");
    assert!(matches!(out.finished("a", "act")[..], [StepStatus::Skipped { .. }]));
}

#[tokio::test]
async fn a_step_after_a_looped_step_waits_for_all_its_items() {
    let out = Run::new(&role_of(
        r#"
  - name: p
    steps:
      - { name: copy, on: target, parallel: g, loop: items, run: "sleep {{ item }}" }
      - { name: verify, on: origin, parallel: g, after: [copy], run: "out verify" }
"#,
    ))
    .go()
    .await;
    assert_eq!(out.status("a"), PairStatus::Ok);
    let verify = out.log.started().into_iter().find(|s| s.host == "oa" && s.first == "out verify").unwrap();
    let copies: Vec<_> = out.log.started().into_iter().filter(|s| s.host == "ta").collect();
    assert_eq!(copies.len(), 3);
    for copy in copies {
        let ended = copy.ended.lock().unwrap().expect("ended");
        assert!(verify.at >= ended, "verify started before `{}` ended", copy.first);
    }
}

#[tokio::test]
async fn a_step_after_a_failed_one_is_skipped_and_the_pair_fails() {
    let out = Run::new(&role_of(
        r#"
  - name: p
    steps:
      - { name: copy, on: target, parallel: g, loop: codes, run: "exit {{ item }}" }
      - { name: verify, on: origin, parallel: g, after: [copy], run: "out verify" }
"#,
    ))
    .go()
    .await;
    let a = out.pair("a");
    assert_eq!(a.status, PairStatus::Failed);
    assert!(a.failed_step.as_deref().is_some_and(|s| s.starts_with("p/copy")), "{a:?}");
    assert!(out.log.ran("out verify").is_empty());
    assert!(matches!(out.finished("a", "verify")[..], [StepStatus::Skipped { .. }]));
}

#[tokio::test]
async fn a_failing_step_is_retried_and_its_last_attempt_decides() {
    let steps = |retries: u32| {
        role_of(&format!(
            "  - name: p\n    steps:\n      - {{ name: flaky, on: target, retries: {retries}, retry_delay: 0s, run: \"fail-first 2\" }}\n"
        ))
    };
    let out = Run::new(&steps(2)).go().await;
    assert_eq!(out.status("a"), PairStatus::Ok);
    let attempts = out.finished("a", "flaky");
    assert_eq!(attempts.len(), 3, "{attempts:?}");
    assert_eq!(attempts[2], StepStatus::Ok);
    let out = Run::new(&steps(1)).go().await;
    assert_eq!(out.status("a"), PairStatus::Failed);
    assert_eq!(out.finished("a", "flaky").len(), 2);
}

#[tokio::test]
async fn a_record_is_kept_only_for_a_step_that_succeeded() {
    let out = Run::new(&role_of(&format!(
        r#"
  - name: p
    steps:
      - {{ name: synced, on: target, record: synced_at, run: "out ok" }}
      - {{ name: maybe, on: target, record: maybe_at, run: '{}' }}
"#,
        fails_on("b")
    )))
    .go()
    .await;
    let (a, b) = (out.pair("a"), out.pair("b"));
    assert!(a.records.contains_key("synced_at") && a.records.contains_key("maybe_at"), "{a:?}");
    assert!(b.records.contains_key("synced_at"), "{b:?}");
    assert!(!b.records.contains_key("maybe_at"), "a failed step records nothing: {b:?}");
}

/// The values `record_value:` steps handed to the hooks: (pair, name, value).
#[derive(Default)]
struct Values(Mutex<Vec<(String, String, u64)>>);

impl Hooks for Values {
    fn value_recorded(&self, pair: &crate::inventory::Pair, name: &str, value: u64) -> Result<(), String> {
        self.0.lock().unwrap().push((pair.name.clone(), name.to_string(), value));
        Ok(())
    }
}

#[tokio::test]
async fn a_value_is_the_last_line_of_an_ok_step_and_anything_else_there_fails_it() {
    // a: a number last; b: a declared warning (no value); c: not a number; d: nothing printed.
    let run = r#"{% if pair.name == "a" %}out measuring
out 8388608{% elif pair.name == "b" %}exit 3{% elif pair.name == "c" %}out 12 GB{% else %}err silent{% endif %}"#;
    let values = Arc::new(Values::default());
    let mut r = Run::new(&role_of(&format!(
        "  - name: p\n    steps:\n      - name: size\n        on: origin\n        record_value: db_bytes\n        warn_codes: [3]\n        run: |\n          {}\n",
        run.replace('\n', "\n          ")
    )));
    r.hooks = values.clone();
    let out = r.go().await;
    assert_eq!(*values.0.lock().unwrap(), [("a".to_string(), "db_bytes".to_string(), 8_388_608)]);
    assert_eq!(out.status("a"), PairStatus::Ok);
    assert_eq!(out.status("b"), PairStatus::Warning, "the step said it has no value: a warning");
    for pair in ["c", "d"] {
        assert_eq!(out.status(pair), PairStatus::Failed, "{:?}", out.pair(pair));
        let Some(StepStatus::AssertFailed { message }) = out.finished(pair, "size").pop() else {
            panic!("{:?}", out.finished(pair, "size"))
        };
        assert!(
            message.contains("record_value `db_bytes`") && message.contains("not an unsigned integer"),
            "{message}"
        );
    }
}

/// Pair `a` fails; every pair runs two steps, the first lasting `first_ms`.
fn a_fails(first_ms: u64) -> String {
    role_of(&format!(
        r#"
  - name: p
    steps:
      - name: first
        on: target
        run: |
          sleep {first_ms}
          {}
      - {{ name: second, on: target, run: "out second" }}
"#,
        fails_on("a")
    ))
}

#[tokio::test]
async fn max_fail_percent_stops_later_waves_only_above_it() {
    let mut run = Run::new(&a_fails(0));
    run.options.max_fail_percent = Some(40);
    let out = run.go().await;
    assert_eq!((out.status("a"), out.status("b")), (PairStatus::Failed, PairStatus::Ok));
    assert_eq!((out.status("c"), out.status("d")), (PairStatus::NotRun, PairStatus::NotRun));
    assert!(out.report.stopped.as_deref().is_some_and(|s| s.contains("--max-fail-percent 40")));
    assert_eq!(out.report.exit_code(), 3);

    let mut run = Run::new(&a_fails(0));
    run.options.max_fail_percent = Some(50);
    let out = run.go().await;
    assert_eq!((out.status("c"), out.status("d")), (PairStatus::Ok, PairStatus::Ok), "50% is not above 50");
}

#[tokio::test]
async fn any_errors_fatal_stops_running_pairs_at_their_next_step_and_starts_nothing() {
    let mut run = Run::new(&a_fails(200));
    run.options.any_errors_fatal = true;
    let out = run.go().await;
    assert_eq!(out.status("a"), PairStatus::Failed);
    assert_eq!(out.status("b"), PairStatus::Stopped, "{:?}", out.pair("b"));
    assert_eq!(out.finished("b", "first"), [StepStatus::Ok], "the running step finished");
    assert!(out.log.ran("out second").is_empty(), "no next step");
    assert_eq!((out.status("c"), out.status("d")), (PairStatus::NotRun, PairStatus::NotRun));

    let out = Run::new(&a_fails(0)).go().await;
    assert_eq!(out.status("b"), PairStatus::Ok, "without the flag the others go on");
    assert_eq!(out.status("c"), PairStatus::Ok);
}

#[tokio::test]
async fn waves_run_one_after_another_and_serial_cuts_them_into_batches() {
    let role = role_of("  - name: p\n    steps:\n      - { name: s, on: target, run: \"sleep 50\" }\n");
    let starts = |out: &Outcome, host: &str| out.log.started().into_iter().find(|s| s.host == host).unwrap();
    let ended = |s: &Started| s.ended.lock().unwrap().expect("ended");
    let out = Run::new(&role).go().await;
    let (a, b, c) = (starts(&out, "ta"), starts(&out, "tb"), starts(&out, "tc"));
    assert!(b.at < ended(&a), "one wave's pairs run at once");
    assert!(c.at >= ended(&a) && c.at >= ended(&b), "wave 2 starts after wave 1");

    let mut run = Run::new(&role);
    run.serial = Some("1".into());
    let out = run.go().await;
    let (a, b) = (starts(&out, "ta"), starts(&out, "tb"));
    assert!(b.at >= ended(&a), "--serial 1: one pair at a time");
    let waves: Vec<&str> = out.report.pairs.iter().map(|p| p.wave.as_str()).collect();
    assert!(waves[0].contains("batch") && waves[0] != waves[1], "{waves:?}");
}

#[tokio::test]
async fn an_unreachable_host_is_not_a_failure_and_is_not_retried() {
    let role = role_of(&format!(
        "  - name: p\n    steps:\n      - {{ name: s, on: target, retries: 2, retry_delay: 0s, run: '{}' }}\n",
        fails_on("b")
    ));
    let mut run = Run::new(&role);
    run.unreachable = ["ta".to_string()].into();
    let out = run.go().await;
    assert_eq!((out.status("a"), out.status("b")), (PairStatus::Unreachable, PairStatus::Failed));
    assert_eq!(out.finished("a", "s").len(), 1, "an unreachable host is not retried");
    assert_eq!(out.finished("b", "s").len(), 3);
    assert_eq!(out.report.exit_code(), 3, "a failure outweighs an unreachable host");

    let mut run =
        Run::new(&role_of("  - name: p\n    steps:\n      - { name: s, on: target, run: \"out\" }\n"));
    run.unreachable = ["tc".to_string()].into();
    assert_eq!(run.go().await.report.exit_code(), 4, "only unreachable");

    let out = Run::new(&role_of("  - name: p\n    steps:\n      - { name: s, on: target, run: lose }\n"))
        .go()
        .await;
    assert_eq!(out.status("a"), PairStatus::Unreachable, "a channel lost without an exit status");
}

#[tokio::test]
async fn after_a_failure_the_pair_runs_nothing_more_and_the_others_go_on() {
    let out = Run::new(&role_of(&format!(
        r#"
  - name: p
    steps:
      - {{ name: first, on: target, run: '{}' }}
      - {{ name: second, on: target, run: "out second" }}
  - name: q
    steps:
      - {{ name: third, on: origin, run: "out third" }}
"#,
        fails_on("a")
    )))
    .go()
    .await;
    assert!(out.finished("a", "second").is_empty() && out.finished("a", "third").is_empty());
    assert!(out.pair("a").phases_completed.is_empty());
    assert_eq!(out.pair("b").phases_completed, ["p", "q"]);
    let seconds: Vec<String> = out.log.ran("out second").into_iter().map(|s| s.host).collect();
    assert!(!seconds.contains(&"ta".to_string()) && seconds.contains(&"tb".to_string()));
}

#[tokio::test]
async fn the_deadline_stops_running_steps_and_starts_no_pair() {
    let mut run = Run::new(&role_of(
        "  - name: p\n    steps:\n      - { name: s, on: target, run: \"sleep 20000\" }\n",
    ));
    run.options.deadline = Some(SystemTime::now() + ms(300));
    let started = Instant::now();
    let out = run.go().await;
    assert!(started.elapsed() < Duration::from_secs(5), "stopped at the deadline, not the step's end");
    assert_eq!(out.status("a"), PairStatus::Stopped);
    assert_eq!(out.finished("a", "s"), [StepStatus::Interrupted]);
    assert!(*out.log.ran("sleep 20000")[0].stopped.lock().unwrap(), "the step was stopped on its host");
    assert_eq!((out.status("c"), out.status("d")), (PairStatus::NotRun, PairStatus::NotRun));
    assert!(out.report.deadline_reached);
    assert_eq!(out.report.exit_code(), 6);
}

#[tokio::test]
async fn a_first_stop_lets_running_steps_finish_within_the_grace_and_starts_nothing() {
    let role = role_of(
        "  - name: p\n    steps:\n      - { name: first, on: target, run: \"sleep 300\" }\n      - { name: second, on: target, run: \"out second\" }\n",
    );
    let mut run = Run::new(&role);
    run.cancels = vec![(ms(100), Level::Soft)];
    let out = run.go().await;
    assert_eq!(out.finished("a", "first"), [StepStatus::Ok], "within the grace");
    assert!(out.log.ran("out second").is_empty());
    assert_eq!(out.status("a"), PairStatus::Stopped);
    assert_eq!(out.status("c"), PairStatus::NotRun);

    // Past the grace, the step is stopped.
    let mut run =
        Run::new(&role_of("  - name: p\n    steps:\n      - { name: first, on: target, run: hang }\n"));
    run.options.grace = ms(200);
    run.cancels = vec![(ms(50), Level::Soft)];
    let started = Instant::now();
    let out = run.go().await;
    assert_eq!(out.finished("a", "first"), [StepStatus::Interrupted]);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_second_stop_stops_running_steps_at_once() {
    let mut run =
        Run::new(&role_of("  - name: p\n    steps:\n      - { name: first, on: target, run: hang }\n"));
    run.options.grace = Duration::from_secs(60);
    run.cancels = vec![(ms(50), Level::Soft), (ms(150), Level::Hard)];
    let started = Instant::now();
    let out = run.go().await;
    assert_eq!(out.finished("a", "first"), [StepStatus::Interrupted]);
    assert!(started.elapsed() < Duration::from_secs(3), "not after the 60 s grace");
    assert!(*out.log.ran("hang")[0].stopped.lock().unwrap());
}

#[tokio::test]
async fn a_failure_before_the_point_of_no_return_rolls_back_and_after_it_does_not() {
    let out = Run::new(&role_of(&format!(
        r#"
  - name: cold
    rollback: rb
    steps:
      - {{ name: early, on: target, run: '{}' }}
      - {{ name: swap, on: target, point_of_no_return: true, run: "out swap" }}
      - {{ name: late, on: target, run: '{}' }}
  - name: rb
    standalone: true
    steps:
      - {{ name: undo, on: origin, run: "out undo" }}
"#,
        fails_on("a"),
        fails_on("b")
    )))
    .phases(&["cold"])
    .go()
    .await;
    let undone: Vec<String> = out.log.ran("out undo").into_iter().map(|s| s.host).collect();
    assert_eq!(undone, ["oa"], "only the pair that failed before its point of no return");
    let (a, b) = (out.pair("a"), out.pair("b"));
    assert!(a.rollback.as_ref().is_some_and(|r| r.ok), "{a:?}");
    assert!(b.rollback.is_none(), "{b:?}");
    assert_eq!(b.point_of_no_return.as_deref(), Some("cold/swap"));
    assert_eq!(a.point_of_no_return, None);
}

/// The points of no return the hooks were told of: (pair, step).
#[derive(Default)]
struct Points(Mutex<Vec<(String, String)>>);

impl Hooks for Points {
    fn point_of_no_return(&self, pair: &crate::inventory::Pair, step: &str) -> Result<(), String> {
        self.0.lock().unwrap().push((pair.name.clone(), step.to_string()));
        Ok(())
    }
}

/// Issue #24: a point-of-no-return step that prints the marker passes the point when its host
/// says so. a: its guard refuses (exit before the marker); b: the marker, then a failure;
/// c: the channel lost before the marker arrived (in doubt: past); d: the marker, then success.
#[tokio::test]
async fn the_point_of_no_return_is_where_the_host_says_it_passed_its_guard() {
    let swap = r#"{% if pair.name == "a" %}exit 1
out BMFLEET-POINT-OF-NO-RETURN{% elif pair.name == "b" %}out BMFLEET-POINT-OF-NO-RETURN
exit 1{% elif pair.name == "c" %}lose
out BMFLEET-POINT-OF-NO-RETURN{% else %}out BMFLEET-POINT-OF-NO-RETURN
out swapped{% endif %}"#;
    let points = Arc::new(Points::default());
    let mut r = Run::new(&role_of(&format!(
        r#"
  - name: cold
    rollback: rb
    steps:
      - name: swap
        on: target
        point_of_no_return: true
        run: |
          {}
  - name: rb
    standalone: true
    steps:
      - {{ name: undo, on: origin, run: "out undo" }}
"#,
        swap.replace('\n', "\n          ")
    )))
    .phases(&["cold"]);
    r.hooks = points.clone();
    let out = r.go().await;
    let undone: Vec<String> = out.log.ran("out undo").into_iter().map(|s| s.host).collect();
    assert_eq!(undone, ["oa"], "only the pair its host stopped before the point rolls back");
    let a = out.pair("a");
    assert_eq!(a.status, PairStatus::Failed);
    assert_eq!(a.point_of_no_return, None, "{a:?}");
    assert!(a.rollback.as_ref().is_some_and(|r| r.ok), "{a:?}");
    for pair in ["b", "c", "d"] {
        let p = out.pair(pair);
        assert_eq!(p.point_of_no_return.as_deref(), Some("cold/swap"), "{p:?}");
        assert!(p.rollback.is_none(), "{p:?}");
    }
    assert_eq!(out.status("b"), PairStatus::Failed);
    assert_eq!(out.status("c"), PairStatus::Unreachable);
    assert_eq!(out.status("d"), PairStatus::Ok);
    let mut told = points.0.lock().unwrap().clone();
    told.sort();
    let expected: Vec<(String, String)> =
        ["b", "c", "d"].iter().map(|p| (p.to_string(), "cold/swap".into())).collect();
    assert_eq!(told, expected, "the journal hears of the point only from the pairs past it");
}

/// The marker is an instruction from a host: only a step the role declares
/// `point_of_no_return: true` may give it (issue #27).
#[tokio::test]
async fn the_marker_from_any_other_step_is_only_output() {
    let points = Arc::new(Points::default());
    let mut r = Run::new(&role_of(
        r#"
  - name: cold
    rollback: rb
    steps:
      - name: copy
        on: origin
        run: |
          out BMFLEET-POINT-OF-NO-RETURN
          exit 1
      - { name: swap, on: target, point_of_no_return: true, run: "out BMFLEET-POINT-OF-NO-RETURN" }
  - name: rb
    standalone: true
    steps:
      - { name: undo, on: origin, run: "out undo" }
"#,
    ))
    .phases(&["cold"]);
    r.hooks = points.clone();
    let out = r.go().await;
    for pair in ["a", "b", "c", "d"] {
        let p = out.pair(pair);
        assert_eq!(p.point_of_no_return, None, "{p:?}");
        assert!(p.rollback.as_ref().is_some_and(|r| r.ok), "{p:?}");
    }
    assert!(points.0.lock().unwrap().is_empty());
}

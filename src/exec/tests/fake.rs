//! The scripted fake hosts the executor's tests run on (no root, no fleet, no network).
//!
//! A fake host reads the step's script as a tiny language, one command a line:
//! `out TEXT`, `err TEXT`, `sleep MS`, `exit N`, `hang` (until stopped), `lose` (the channel
//! ends without an exit status), `fail-first N` (exit 1 for the first N starts of this script).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;

use crate::exec::host::{Host, Hosts, NotStarted, OpenError, Process, ProcessEvent};
use crate::outcome::Stream;
use crate::ssh::Endpoint;

/// What ran where: one entry per started attempt.
#[derive(Debug, Clone)]
pub(super) struct Started {
    pub(super) host: String,
    /// The script's first line.
    pub(super) first: String,
    pub(super) at: Instant,
    pub(super) ended: Arc<Mutex<Option<Instant>>>,
    pub(super) stopped: Arc<Mutex<bool>>,
}

#[derive(Default)]
pub(super) struct Log {
    pub(super) started: Mutex<Vec<Started>>,
    pub(super) starts_of: Mutex<HashMap<String, u32>>,
}

impl Log {
    pub(super) fn started(&self) -> Vec<Started> {
        self.started.lock().unwrap().clone()
    }

    pub(super) fn ran(&self, first: &str) -> Vec<Started> {
        self.started().into_iter().filter(|s| s.first == first).collect()
    }
}

pub(super) struct FakeHosts {
    pub(super) log: Arc<Log>,
    pub(super) unreachable: HashSet<String>,
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

pub(super) struct FakeHost {
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

pub(super) struct FakeProcess {
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

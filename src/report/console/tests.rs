use std::collections::HashMap;
use std::time::Duration;

use super::{PlainState, TOTALS_EVERY};
use crate::outcome::{Event, PairStatus, StepStatus};
use crate::report::board::Board;

fn state() -> PlainState {
    PlainState {
        board: Board::new(),
        start: std::time::Instant::now(),
        totals_at: None,
        quarters: HashMap::new(),
        unreachable: Default::default(),
    }
}

fn run(pairs: usize) -> Event {
    Event::RunStarted {
        run_id: "r".into(),
        run_dir: "runs/r".into(),
        role: "bluemind".into(),
        phases: vec!["hot-sync".into()],
        pairs,
        waves: 1,
        check_mode: false,
    }
}

fn step(pair: &str, step: &str) -> Event {
    Event::StepStarted {
        pair: pair.into(),
        phase: "hot-sync".into(),
        step: step.into(),
        host: "origin".into(),
        attempt: 1,
    }
}

fn progress(pair: &str, step: &str, percent: u8) -> Event {
    Event::Progress { pair: pair.into(), step: step.into(), percent, detail: format!("{percent}00 1.00kB/s") }
}

fn finished(pair: &str, step: &str) -> Event {
    Event::StepFinished {
        pair: pair.into(),
        phase: "hot-sync".into(),
        step: step.into(),
        host: "origin".into(),
        attempt: 1,
        secs: 2.0,
        status: StepStatus::Ok,
    }
}

fn feed(state: &mut PlainState, events: &[Event]) -> Vec<String> {
    events.iter().enumerate().flat_map(|(i, e)| state.lines(e, Duration::from_secs(i as u64))).collect()
}

/// Two spools interleaving their progress: each printed line names the spool whose numbers it
/// shows, once per quarter.
#[test]
fn plain_progress_lines_name_their_own_transfer() {
    let (a, b) = ("rsync [/a/]", "rsync [/b/]");
    let mut events = vec![run(1), Event::PairStarted { pair: "p".into() }, step("p", a), step("p", b)];
    for pct in [10, 30, 20, 60, 55, 80, 100, 100] {
        let (which, pct) = if pct % 20 == 0 { (a, pct) } else { (b, pct + 5) };
        events.push(progress("p", which, pct));
    }
    events.push(finished("p", a));
    let lines = feed(&mut state(), &events);
    insta::assert_snapshot!(lines.join("\n"));
}

/// Two hundred pairs of ten steps: the plain output is a line per pair and the totals, not a
/// line per step.
#[test]
fn at_fleet_scale_plain_lines_grow_with_pairs_not_steps() {
    let pairs = 200;
    let mut events = vec![run(pairs)];
    for i in 0..pairs {
        let pair = format!("t{i:03}");
        events.push(Event::PairStarted { pair: pair.clone() });
        for s in 0..10 {
            let label = format!("step {s}");
            events.push(step(&pair, &label));
            events.push(progress(&pair, &label, 50));
            events.push(finished(&pair, &label));
        }
        events.push(Event::PhaseFinished { pair: pair.clone(), phase: "hot-sync".into(), ok: true });
        let status = if i == 7 { PairStatus::Failed } else { PairStatus::Ok };
        events.push(Event::PairFinished { pair, status, failed_step: None, message: None, secs: 1.0 });
    }
    let seconds = events.len() as u64;
    let lines = feed(&mut state(), &events);
    let totals = lines.iter().filter(|l| l.starts_with("totals: ")).count() as u64;
    assert!(totals <= seconds / TOTALS_EVERY.as_secs() + 1, "{totals} totals lines");
    assert!(lines.len() as u64 <= pairs as u64 + 1 + totals, "{} lines: {:#?}", lines.len(), &lines[..30]);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("totals: hot-sync: 1 done, 0 running, 0 failed, 199 waiting, ETA ")),
        "{:#?}",
        &lines[..5]
    );
}

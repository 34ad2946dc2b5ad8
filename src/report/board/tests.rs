use std::time::Duration;

use super::Board;
use crate::outcome::{Event, PairStatus, StepStatus};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn run(pairs: usize) -> Event {
    Event::RunStarted {
        run_id: "r".into(),
        run_dir: "runs/r".into(),
        role: "bluemind".into(),
        phases: vec!["preflight".into(), "hot-sync".into()],
        pairs,
        waves: 1,
        check_mode: false,
    }
}

fn started(pair: &str) -> Event {
    Event::PairStarted { pair: pair.into() }
}

fn step(pair: &str, phase: &str, step: &str) -> Event {
    Event::StepStarted {
        pair: pair.into(),
        phase: phase.into(),
        step: step.into(),
        host: "origin".into(),
        attempt: 1,
    }
}

fn progress(pair: &str, step: &str, percent: u8, detail: &str) -> Event {
    Event::Progress { pair: pair.into(), step: step.into(), percent, detail: detail.into() }
}

fn done(pair: &str, phase: &str, step: &str) -> Event {
    Event::StepFinished {
        pair: pair.into(),
        phase: phase.into(),
        step: step.into(),
        host: "origin".into(),
        attempt: 1,
        secs: 1.0,
        status: StepStatus::Ok,
    }
}

fn phase_done(pair: &str, phase: &str, ok: bool) -> Event {
    Event::PhaseFinished { pair: pair.into(), phase: phase.into(), ok }
}

fn pair_done(pair: &str, status: PairStatus) -> Event {
    Event::PairFinished { pair: pair.into(), status, failed_step: None, message: None, secs: 1.0 }
}

fn board(events: &[(u64, Event)]) -> Board {
    let mut b = Board::new();
    for (at, e) in events {
        b.apply(e, secs(*at));
    }
    b
}

const A: &str = "rsync [/var/spool/cyrus/data/]";
const B: &str = "rsync [/var/spool/bm-hsm/]";

/// Two spools of one pair copying at once, their progress lines interleaved: each line shows
/// one spool's label with that spool's own numbers (the bars showed the label of the step
/// started last next to whichever percentage arrived last).
#[test]
fn two_interleaved_transfers_each_keep_their_own_numbers() {
    let b = board(&[
        (0, run(1)),
        (0, started("tenant1")),
        (1, step("tenant1", "hot-sync", A)),
        (1, step("tenant1", "hot-sync", B)),
        (2, progress("tenant1", A, 10, "1,048,576 1.00MB/s 0:00:09")),
        (3, progress("tenant1", B, 55, "52,428,800 20.00MB/s 0:00:02")),
        (4, progress("tenant1", A, 12, "1,258,291 1.00MB/s 0:00:08")),
    ]);
    let lines = b.lines(secs(5), 40);
    let a = lines.iter().find(|l| l.contains(A)).expect("a line for spool A");
    let bl = lines.iter().find(|l| l.contains(B)).expect("a line for spool B");
    assert!(a.contains(" 12% 1,258,291 ") && !a.contains("55%"), "{a}");
    assert!(bl.contains(" 55% 52,428,800 ") && !bl.contains("12%"), "{bl}");
    insta::assert_snapshot!(lines.join("\n"));
}

/// A transfer that ends leaves the console; the one still running keeps its line.
#[test]
fn a_finished_transfer_loses_its_line() {
    let b = board(&[
        (0, run(1)),
        (0, started("tenant1")),
        (1, step("tenant1", "hot-sync", A)),
        (1, step("tenant1", "hot-sync", B)),
        (2, progress("tenant1", A, 100, "2,000 1.00kB/s 0:00:00")),
        (2, progress("tenant1", B, 40, "800 1.00kB/s 0:00:01")),
        (3, done("tenant1", "hot-sync", A)),
    ]);
    let lines = b.lines(secs(3), 40);
    assert!(!lines.iter().any(|l| l.contains(A)), "{lines:?}");
    insta::assert_snapshot!(lines.join("\n"));
}

fn fleet(n: usize) -> Vec<(u64, Event)> {
    let mut events = vec![(0, run(n))];
    for i in 0..n {
        let pair = format!("tenant{i:03}");
        let at = i as u64;
        events.push((at, started(&pair)));
        events.push((at, step(&pair, "preflight", "origin facts")));
        if i < n / 2 {
            events.push((at + 10, done(&pair, "preflight", "origin facts")));
            events.push((at + 10, phase_done(&pair, "preflight", i % 10 != 3)));
            if i % 10 == 3 {
                events.push((at + 10, pair_done(&pair, PairStatus::Failed)));
            } else {
                events.push((at + 11, step(&pair, "hot-sync", A)));
                events.push((at + 11, step(&pair, "hot-sync", B)));
                events.push((at + 12, progress(&pair, A, 30, "300 10B/s 0:00:07")));
            }
        }
    }
    events
}

/// Two hundred pairs: one line per phase with its totals and ETA, then the pairs running
/// longest, not two hundred lines.
#[test]
fn at_fleet_scale_the_console_shows_totals_per_phase_and_the_longest_running() {
    let b = board(&fleet(200));
    assert!(b.fleet_scale(50));
    let lines = b.lines(secs(200), 50);
    assert!(lines.len() <= 2 + 1 + super::view::LONGEST, "{lines:#?}");
    assert!(lines[0].starts_with("preflight: 90 done, 100 running, 10 failed, 0 waiting"), "{lines:#?}");
    insta::assert_snapshot!(lines.join("\n"));
}

/// ETA from the pairs that completed the phase: four took 60 s each; four more have been in it
/// for 30 s (30 s to go), and the two waiting go as one batch of four: 60 s more.
#[test]
fn the_eta_is_what_the_running_pairs_have_left_plus_batches_of_the_waiting() {
    let mut events = vec![(0, run(10))];
    for i in 0..8 {
        let pair = format!("p{i}");
        let at = if i < 4 { 0 } else { 60 };
        events.push((at, started(&pair)));
        events.push((at, step(&pair, "preflight", "origin facts")));
        if i < 4 {
            events.push((60, phase_done(&pair, "preflight", true)));
            events.push((60, pair_done(&pair, PairStatus::Ok)));
        }
    }
    let b = board(&events);
    let totals = b.totals(secs(90));
    assert_eq!(totals[0], "preflight: 4 done, 4 running, 0 failed, 2 waiting, ETA 1m30s");
    assert!(!totals[1].contains("ETA"), "no pair has completed hot-sync: {totals:?}");
}

/// Few pairs but a short terminal: the fleet view too.
#[test]
fn a_terminal_shorter_than_the_pairs_gets_the_fleet_view() {
    let b = board(&fleet(12));
    let tall = b.lines(secs(30), 60);
    let short = b.lines(secs(30), 10);
    assert!(tall.iter().any(|l| l.contains(A)), "{tall:#?}");
    assert!(short.len() <= 10 && short[0].starts_with("preflight:"), "{short:#?}");
}

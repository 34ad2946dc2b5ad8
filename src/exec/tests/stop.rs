//! Stopping a run: the `--until` deadline, a first Ctrl-C (running steps get the grace, nothing
//! new starts), a second one (running steps stop at once).

use super::*;

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

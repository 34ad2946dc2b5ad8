//! Waves and the failure policy: waves one after another (`--serial` cuts them), a failed or
//! unreachable pair stops itself alone, `--max-fail-percent` and `--any-errors-fatal` decide
//! what runs after a failure.

use super::*;

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

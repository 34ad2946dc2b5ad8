//! A pair's steps: each runs its script on its host, a phase's checks all run before it
//! fails, `after:` waits for every loop item and skips after a failure, retries let the last
//! attempt decide, records and values are kept only from a step that succeeded.

use super::*;

#[tokio::test]
async fn a_step_runs_its_script_and_a_pair_succeeds() {
    let out = Run::new(&role("      - { name: one, on: target, run: \"out hello\" }\n")).go().await;
    assert_eq!(out.status("a"), PairStatus::Ok, "{:?}", out.pair("a"));
    assert_eq!(out.report.exit_code(), 0);
    let ran: Vec<String> = out.log.ran("out hello").iter().map(|s| s.host.clone()).collect();
    assert_eq!(ran.len(), 4, "{ran:?}");
    assert!(ran.contains(&"ta".to_string()));
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

/// Skipped for a failed dependency is not "done": a step after it is skipped too, down the
/// chain. Before, `tally` ran after a skipped `count` as if it had run, and read its register
/// unset (the cold sync's `record verified messages` failed that way in tests/fleet_mailcheck.rs,
/// masking the check that really failed).
#[tokio::test]
async fn a_step_after_one_skipped_for_a_failure_is_skipped_too() {
    let out = Run::new(&role_of(
        r#"
  - name: p
    steps:
      - { name: check, on: target, parallel: g, run: "exit 1" }
      - { name: count, on: target, parallel: g, after: [check], run: "out count" }
      - { name: tally, on: origin, parallel: g, after: [count], run: "out tally" }
"#,
    ))
    .go()
    .await;
    let a = out.pair("a");
    assert_eq!(a.status, PairStatus::Failed);
    assert_eq!(a.failed_step.as_deref(), Some("p/check"), "{a:?}");
    assert!(out.log.ran("out count").is_empty() && out.log.ran("out tally").is_empty());
    assert!(
        matches!(&out.finished("a", "tally")[..], [StepStatus::Skipped { reason }] if reason.contains("`count`"))
    );
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

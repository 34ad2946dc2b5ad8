//! The plain-words story of each kind of pair (snapshot, in Europe/Paris: CET, CEST and the
//! change between them), and where it sits on the page: under the MSP's name and logo, before
//! the timeline and the operator's detail.

use super::super::model::{Failure, Manual, PairView, Sync, Verified};
use super::*;

/// Seconds since the epoch of `2026-12-02T00:09:40Z` and the like.
fn at(text: &str) -> f64 {
    super::super::model::parse_rfc3339(text).expect("a fixture time")
}

fn paris() -> Zone {
    Zone::load("Europe/Paris").expect("the tzdata package")
}

fn failure(run_id: &str, rollback_ok: Option<bool>) -> Failure {
    Failure {
        run_id: run_id.into(),
        status: "failed".into(),
        step: Some("cold-sync/restore bj".into()),
        message: None,
        tail: Vec::new(),
        rollback: None,
        rollback_ok,
        retry: String::new(),
    }
}

fn hot_sync(start: &str) -> Sync {
    Sync { run_id: "r".into(), at: at(start), secs: 42.0, bytes: 1, files: 1 }
}

fn moved(display: Option<&str>, downtime: Option<(&str, &str)>, verified: Option<(u64, u64)>) -> PairView {
    let downtime = downtime.map(|(a, b)| (at(a), at(b)));
    PairView {
        name: "acme".into(),
        display_name: display.map(String::from),
        status: Some("ok".into()),
        downtime,
        point_of_no_return: Some((downtime.map_or(at("2026-12-02T00:20:00Z"), |d| d.0 + 5.0), "c/s".into())),
        verified: verified.map(|(messages, mailboxes)| Verified { messages, mailboxes }),
        ..Default::default()
    }
}

fn cases() -> Vec<(&'static str, PairView)> {
    let acme = PairView { name: "acme".into(), ..Default::default() };
    let mut after_pnr = moved(None, None, None);
    after_pnr.failure = Some(failure("20261202-001000-7", None));
    after_pnr.manual = vec![Manual { run_id: "r".into(), text: "x".into(), who: "w", from: "f".into() }; 2];
    let verified = Some((12_345, 40));
    vec![
        ("moved", moved(Some("ACME Corp"), Some(("2026-12-02T00:09:40Z", "2026-12-02T00:10:05Z")), verified)),
        ("moved within a minute", moved(None, Some(("2026-12-02T00:09:10Z", "2026-12-02T00:09:50Z")), None)),
        (
            "moved as the clocks went back",
            moved(None, Some(("2026-10-25T00:59:30Z", "2026-10-25T01:00:40Z")), Some((1, 1))),
        ),
        (
            "moved over midnight, for long",
            moved(None, Some(("2026-12-01T22:59:50Z", "2026-12-02T00:01:30Z")), Some((1_000_000, 2))),
        ),
        ("moved, then a step failed and things are left by hand", after_pnr),
        ("rolled back", PairView { failure: Some(failure("20261202-000500-7", Some(true))), ..acme.clone() }),
        (
            "rollback failed",
            PairView { failure: Some(failure("20261202-000500-7", Some(false))), ..acme.clone() },
        ),
        (
            "a hot sync failed",
            PairView {
                status: Some("failed".into()),
                hot_syncs: vec![hot_sync("2026-11-30T23:00:00Z")],
                failure: Some(failure("20261202-000000-8", None)),
                ..acme.clone()
            },
        ),
        (
            "not yet, hot-synced in summer time",
            PairView {
                status: Some("ok".into()),
                hot_syncs: vec![hot_sync("2026-07-01T23:00:00Z"), hot_sync("2026-12-02T00:00:00Z")],
                ..acme.clone()
            },
        ),
        (
            "a hot sync stopped at the end of its window",
            PairView {
                status: Some("stopped".into()),
                hot_syncs: vec![hot_sync("2026-11-30T23:00:00Z")],
                failure: Some(Failure { status: "stopped".into(), ..failure("20261202-000000-8", None) }),
                ..acme.clone()
            },
        ),
        (
            "copied for the last time, not switched yet",
            PairView {
                status: Some("ok".into()),
                hot_syncs: vec![hot_sync("2026-11-30T23:00:00Z")],
                final_sync_done: Some(at("2026-12-02T00:09:58Z")),
                ..acme.clone()
            },
        ),
        ("not yet, checked only", PairView { status: Some("ok".into()), ..acme.clone() }),
        ("never run", acme),
    ]
}

#[test]
fn each_kind_of_pair_reads_in_plain_words() {
    let zone = paris();
    let text: String = cases()
        .iter()
        .map(|(case, view)| {
            let (kind, lines) = story(view, &zone);
            format!(
                "{case} [{}]:\n{}\n",
                kind.as_str(),
                lines.iter().map(|l| format!("  {l}\n")).collect::<String>()
            )
        })
        .collect();
    insta::assert_snapshot!("stories", text);
}

#[test]
fn durations_and_counts_read_as_people_say_them() {
    let cases = [(0.2, "less than a second"), (25.4, "25 s"), (60.0, "1 min"), (187.0, "3 min 7 s")];
    for (secs, said) in cases {
        assert_eq!(plain_duration(secs), said);
    }
    assert_eq!(plain_duration(3_900.0), "1 h 5 min");
    assert_eq!(counted(12_345, "message", "messages"), "12,345 messages");
    assert_eq!(counted(1, "mailbox", "mailboxes"), "1 mailbox");
    assert_eq!(counted(999, "a", "b"), "999 b");
    assert_eq!(counted(1_000_000, "a", "b"), "1,000,000 b");
}

#[test]
fn the_page_opens_with_the_msp_the_tenant_and_the_story_then_the_operators_detail() {
    let zone = paris();
    let view =
        moved(Some("ACME <Corp>"), Some(("2026-12-02T00:09:40Z", "2026-12-02T00:10:05Z")), Some((5, 2)));
    let logo = "data:image/png;base64,iVBORw0KGgo=";
    let campaign = super::super::Campaign {
        title: "fleet",
        zone: &zone,
        msp_name: Some("Example MSP"),
        msp_logo: Some(logo),
    };
    let html = super::super::pair::render(&view, &[], &campaign);
    assert!(
        html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\""),
        "{html}"
    );
    let brand =
        html.find("<div class=\"brand\"><img class=\"logo\" src=\"data:image/png;base64,").expect("logo");
    let h1 = html.find("<h1 data-pair=\"acme\">ACME &lt;Corp&gt;</h1>").expect("the display name, escaped");
    let story = html.find("<div class=\"story moved\" data-story=\"moved\">\n<p>ACME &lt;Corp&gt; moved on 2 Dec 2026; mail was unavailable for 25 s, 01:09–01:10 CET; 5 messages in 2 mailboxes verified.</p>").expect("the story");
    let operator = html.find("<h2 class=\"operator\">For the operator</h2>").expect("the operator's part");
    assert!(brand < h1 && h1 < story && story < operator, "{html}");
    assert!(html.contains("Times are given on the Europe/Paris clock."), "{html}");
    assert!(html.contains("<title>ACME &lt;Corp&gt; — fleet</title>"), "{html}");
    // Without a logo, no image may load at all.
    let plain = super::super::Campaign { msp_logo: None, ..campaign };
    let html = super::super::pair::render(&view, &[], &plain);
    assert!(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""), "{html}");
    assert!(
        html.contains("<div class=\"brand\"><b class=\"msp\">Example MSP</b></div>")
            && !html.contains("<img")
    );
}

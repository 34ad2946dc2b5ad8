//! Snapshots of rendered pages on fixture journals and runs (a pair migrated after two hot
//! syncs, a pair failed at its cold sync), and the masking of secrets on the way.

use std::collections::BTreeMap;

use super::model::{self, PairInput, Run, RunSummary};
use crate::journal::{PairJournal, PhaseRecord, SyncRecord};
use crate::role::journal::{Downtime, JournalSpec};
use crate::secrets::Masker;
use crate::time::Zone;

const T0: f64 = 1_795_000_000.0;
const PHASES: [&str; 8] =
    ["preflight", "trust", "hot-sync", "cold-sync", "revoke-trust", "cutover", "post", "rollback"];

fn log(lines: &[(f64, &str)]) -> String {
    lines
        .iter()
        .map(|(t, l)| {
            let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(*t);
            format!("{} {l}\n", crate::time::rfc3339(at))
        })
        .collect()
}

fn summary(id: &str, phases: &[&str], pairs: serde_json::Value) -> RunSummary {
    let json = serde_json::json!({ "run_id": id, "phases": phases, "duration": 60.0, "pairs": pairs });
    serde_json::from_value(json).expect("fixture summary")
}

fn hot_run(id: &str, at: f64, bytes: u64) -> Run {
    let pairs = ["p01", "p02"].map(|p| serde_json::json!({
        "pair": p, "status": "ok",
        "transfers": { "hot-sync": { "files": 10, "files_transferred": 4, "bytes_total": 9000, "bytes_transferred": bytes, "secs": 42.5, "warnings": 0 } },
    }));
    let text =
        log(&[(at, "== hot-sync/rsync cyrus on t (attempt 1)"), (at + 50.0, "phase hot-sync completed")]);
    Run {
        summary: summary(id, &["hot-sync"], serde_json::json!(pairs)),
        logs: [("p01".into(), text.clone()), ("p02".into(), text)].into(),
    }
}

fn migrate_run(at: f64) -> Run {
    let pairs = serde_json::json!([
        { "pair": "p01", "status": "ok",
          "checks": [{ "phase": "cold-sync", "label": "same data before cutover", "result": "ok" },
                     { "phase": "post", "label": "my networks", "result": "warning", "message": "warning (exit 3): see the manual action" }],
          "transfers": { "cold-sync": { "files": 10, "files_transferred": 1, "bytes_total": 9000, "bytes_transferred": 512, "secs": 3.0, "warnings": 0 } },
          "warnings": ["post/my networks"],
          "manual": [{ "step": "post/my networks", "host": "target t01",
                       "text": "set \"My networks\" to 10.0.0.0/8: Admin console > System configuration (token S3CRET-TOKEN)" },
                     "switch DNS to the target (a bare line: an older run's summary)"] },
        { "pair": "p02", "status": "failed", "failed_step": "cold-sync/restore bj", "message": "failed (exit 1)",
          "tail": ["psql: connection refused", "token S3CRET-TOKEN"],
          "checks": [{ "phase": "cold-sync", "label": "same data before cutover", "result": "skipped" }],
          "rollback": { "ok": true, "message": "rolled back: origin back in service" } }
    ]);
    let p01 = log(&[
        (at, "== cold-sync/stop target services on t01 (attempt 1)"),
        (at + 30.0, "[verify against the origin] out| 120 counts equal to the stopped origin's: verified"),
        (at + 31.0, "phase cold-sync completed"),
        (at + 32.0, "== revoke-trust/revoke on origin on o01 (attempt 1)"),
        (at + 33.0, "phase revoke-trust completed"),
        (at + 34.0, "== cutover/stop origin for good on o01 (attempt 1)"),
        (at + 40.0, "phase cutover completed"),
        (at + 41.0, "== post/start target services on t01 (attempt 1)"),
        (at + 70.0, "phase post completed"),
    ]);
    let p02 = log(&[
        (at, "== cold-sync/stop target services on t02 (attempt 1)"),
        (at + 20.0, "phase cold-sync failed"),
        (at + 21.0, "== rollback/stop target services on t02 (attempt 1)"),
        (at + 30.0, "phase rollback completed"),
    ]);
    Run {
        summary: summary("20261118-010000-7", &["cold-sync", "revoke-trust", "cutover", "post"], pairs),
        logs: [("p01".into(), p01), ("p02".into(), p02)].into(),
    }
}

fn journal(pair: &str, migrated: bool) -> PairJournal {
    let mut j = PairJournal { pair: pair.into(), ..Default::default() };
    let rec = |t: f64| PhaseRecord { completed_at: t, run_id: "r".into() };
    j.phases.insert("hot-sync".into(), rec(T0 + 86_400.0));
    j.last_sync =
        Some(SyncRecord { at: T0 + 86_450.0, run_id: "20261117-010000-6".into(), ..Default::default() });
    if migrated {
        for (p, dt) in [("cold-sync", 31.0), ("revoke-trust", 33.0), ("cutover", 40.0), ("post", 70.0)] {
            j.phases.insert(p.into(), rec(T0 + 2.0 * 86_400.0 + dt));
        }
        j.records = BTreeMap::from([
            ("downtime_start".into(), T0 + 172_805.0),
            ("downtime_end".into(), T0 + 172_842.0),
        ]);
        j.point_of_no_return = Some(crate::journal::PointOfNoReturn {
            at: T0 + 172_834.0,
            run_id: "r".into(),
            step: "cutover/stop origin for good".into(),
        });
        j.last_status = Some(crate::outcome::PairStatus::Ok);
    }
    j
}

fn views() -> Vec<model::PairView> {
    let runs = vec![
        hot_run("20261116-010000-5", T0, 1_500_000),
        hot_run("20261117-010000-6", T0 + 86_400.0, 20_000),
        migrate_run(T0 + 172_800.0),
    ];
    let checks =
        BTreeMap::from([("same data before cutover".to_string(), "verify against the origin".to_string())]);
    let mut masker = Masker::default();
    masker.add("S3CRET-TOKEN");
    // migrate's sequence, as the report command passes it (rollback is standalone).
    let phases: Vec<&str> = PHASES.iter().copied().filter(|p| *p != "rollback").collect();
    let spec = crate::role::journal::bluemind_for_tests();
    [("p01", true, "o01", "t01"), ("p02", false, "o02", "t02")]
        .iter()
        .map(|(name, migrated, o, t)| {
            let j = journal(name, *migrated);
            let input = PairInput {
                name,
                display_name: None,
                wave: 1,
                origin: o,
                target: t,
                journal: &j,
                journal_spec: &spec,
                role_phases: &phases,
                check_steps: &checks,
                masker: &masker,
                inventory_arg: "fleet.yml",
                retry_extra: &[],
            };
            model::pair_view(&input, &runs)
        })
        .collect()
}

/// A campaign in UTC, without an MSP's name or logo.
fn campaign(zone: &Zone) -> super::Campaign<'_> {
    super::Campaign { title: "fleet", zone, msp_name: None, msp_logo: None }
}

fn lanes() -> Vec<String> {
    PHASES.iter().map(|p| p.to_string()).collect()
}

#[test]
fn the_model_gathers_every_hot_sync_the_verdicts_and_the_failure() {
    let v = views();
    assert_eq!(v[0].hot_syncs.len(), 2);
    assert_eq!(v[0].hot_syncs[0].bytes, 1_500_000);
    assert_eq!(v[0].downtime_secs(), Some(37.0));
    assert_eq!(
        v[0].verdicts[0].message.as_deref(),
        Some("120 counts equal to the stopped origin's: verified")
    );
    assert_eq!(v[0].manual[0].who, "BlueMind administrator");
    assert_eq!(v[0].manual[0].from, "post/my networks on target t01", "who printed it, in the report");
    assert!(v[0].manual[1].from.starts_with("not recorded"), "an older summary still reads");
    let failure = v[1].failure.as_ref().expect("p02 failed");
    assert_eq!(failure.retry, "bmfleet migrate -i fleet.yml --limit p02");
    assert_eq!(failure.tail[1], "token ********");
}

#[test]
fn pages_mask_secrets_and_load_nothing() {
    let v = views();
    let utc = Zone::utc();
    for html in [
        super::pair::render(&v[0], &lanes(), &campaign(&utc)),
        super::pair::render(&v[1], &lanes(), &campaign(&utc)),
        super::index::render(&v, &campaign(&utc), T0),
    ] {
        assert!(!html.contains("S3CRET-TOKEN"));
        assert!(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""));
        assert!(
            !html.contains("<script")
                && !html.contains("src=")
                && !html.contains("http:")
                && !html.contains("https:")
                && !html.contains("file:"),
            "{html}"
        );
    }
}

#[test]
fn pair_page_snapshot() {
    let v = views();
    let utc = Zone::utc();
    insta::assert_snapshot!("pair_migrated", super::pair::render(&v[0], &lanes(), &campaign(&utc)));
    insta::assert_snapshot!("pair_failed", super::pair::render(&v[1], &lanes(), &campaign(&utc)));
}

#[test]
fn index_snapshot() {
    let utc = Zone::utc();
    insta::assert_snapshot!("index", super::index::render(&views(), &campaign(&utc), T0 + 200_000.0));
}

/// A role whose phases are not BlueMind's (tests/roles/renamed/role.yml): its `journal:` names
/// the syncs and the downtime records, and the report draws them as it does BlueMind's.
#[test]
fn renamed_phases_still_draw_the_syncs_and_the_downtime() {
    let phases = ["prepare", "warm-sync", "final-copy"];
    let transfer = |bytes: u64| serde_json::json!({ "files": 3, "files_transferred": 2, "bytes_total": 900, "bytes_transferred": bytes, "secs": 4.0, "warnings": 0 });
    let pairs = serde_json::json!([{ "pair": "p01", "status": "ok",
        "transfers": { "warm-sync": transfer(700), "final-copy": transfer(60) } }]);
    let text = log(&[
        (T0, "== warm-sync/copy on controller (attempt 1)"),
        (T0 + 5.0, "phase warm-sync completed"),
        (T0 + 6.0, "== final-copy/stop on controller (attempt 1)"),
        (T0 + 20.0, "phase final-copy completed"),
    ]);
    let runs = vec![Run {
        summary: summary("20261116-010000-5", &phases[1..], pairs),
        logs: [("p01".into(), text)].into(),
    }];
    let mut j = PairJournal { pair: "p01".into(), ..Default::default() };
    j.records = BTreeMap::from([("stopped_at".into(), T0 + 7.0), ("started_at".into(), T0 + 19.0)]);
    j.values = BTreeMap::from([("copy_kind".into(), 1)]);
    let spec = JournalSpec {
        repeatable_sync: Some("warm-sync".into()),
        final_sync: Some("final-copy".into()),
        downtime: Some(Downtime { start: "stopped_at".into(), end: "started_at".into() }),
        databases_bytes: None,
        freeze_check_ms: None,
        final_sync_lists: None,
        warm_pass: None,
        method: Some(crate::role::journal::Method {
            value: "copy_kind".into(),
            title: "copy".into(),
            labels: vec!["slow".into(), "fast".into()],
        }),
    };
    let input = PairInput {
        name: "p01",
        display_name: None,
        wave: 1,
        origin: "o01",
        target: "t01",
        journal: &j,
        journal_spec: &spec,
        role_phases: &phases,
        check_steps: &BTreeMap::new(),
        masker: &Masker::default(),
        inventory_arg: "fleet.yml",
        retry_extra: &[],
    };
    let view = model::pair_view(&input, &runs);
    assert_eq!(view.hot_syncs.iter().map(|s| s.bytes).collect::<Vec<_>>(), [700]);
    assert_eq!(view.cold_sync.as_ref().map(|s| s.bytes), Some(60));
    assert_eq!(view.downtime_secs(), Some(12.0));
    let lanes: Vec<String> = phases.iter().map(|p| p.to_string()).collect();
    let utc = Zone::utc();
    let html = super::pair::render(&view, &lanes, &campaign(&utc));
    assert!(html.contains("class=\"span phase-warm-sync sync-repeatable\""), "{html}");
    assert!(html.contains("class=\"span phase-final-copy sync-final\""), "{html}");
    assert_eq!(html.matches("<rect class=\"band downtime\"").count(), 2, "campaign and close-up: {html}");
    // The close-up starts with the final sync, which began before the downtime's first record.
    assert!(html.contains("<svg class=\"timeline downtime\""), "{html}");
    assert!(html.contains(&format!("<p>The cut-over: downtime {} from", super::page::secs(12.0))), "{html}");
    // The role's declared method, its own title and label.
    assert!(html.contains("<div class=\"card\">copy<b data-method=\"fast\">fast</b></div>"), "{html}");
}

/// A failed span (a cold sync that failed, a failed cutover) is drawn in the failure colour:
/// `.span.failed` has the specificity of the phase and sync colours, so it must come after
/// every one of them in the stylesheet (it came before the sync colours, and a failed cold
/// sync was drawn blue).
#[test]
fn a_failed_span_is_drawn_in_the_failure_colour_whatever_its_phase() {
    let style = super::page::STYLE;
    let failed = style.find("svg .span.failed").expect("a rule for failed spans");
    for (at, _) in style.match_indices("svg .span.") {
        let rule = &style[at..style[at..].find('}').map_or(style.len(), |e| at + e)];
        if rule.contains("fill") && !rule.starts_with("svg .span.failed") {
            assert!(at < failed, "`{rule}` comes after `.span.failed` and overrides its colour");
        }
    }
}

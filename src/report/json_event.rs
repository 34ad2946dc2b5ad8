//! An event as `--format json` prints it, for programs: every value typed, no human text to
//! parse. The run's events carry the labels the console prints ("origin 127.0.0.2", "wave 1
//! batch 2/3", "bluemind (built into bmfleet)"); here each becomes separate fields, and every
//! event gets its time (`at`, RFC 3339 UTC). The shapes are in docs/json.md.

use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::outcome::{Event, RunReport};

/// One JSON object for `event`, made at `at`.
pub fn to_json(event: &Event, at: SystemTime) -> Value {
    let mut value = serde_json::to_value(event).expect("events serialize");
    if let Some(map) = value.as_object_mut() {
        map.insert("at".into(), crate::time::rfc3339(at).into());
        split_host(map);
        split_wave(map);
        split_role(map);
    }
    value
}

/// `summary.json` (and a notice's `summary`) typed as the events are: the role's name and
/// directory apart, each pair's wave as numbers, each manual action's side and host apart. The
/// text summary keeps the labels (`RunReport` holds them for it).
pub fn summary_to_json(report: &RunReport) -> Value {
    let mut value = serde_json::to_value(report).expect("reports serialize");
    if let Some(map) = value.as_object_mut() {
        map.insert("format".into(), 1.into());
        split_role(map);
        if let Some(Value::Array(pairs)) = map.get_mut("pairs") {
            for pair in pairs.iter_mut().filter_map(Value::as_object_mut) {
                split_wave(pair);
                if let Some(Value::Array(manual)) = pair.get_mut("manual") {
                    manual.iter_mut().filter_map(Value::as_object_mut).for_each(split_host);
                }
            }
        }
    }
    value
}

/// `"host": "origin H"` -> `"on": "origin", "host": "H"`; `"controller"` -> `"on":
/// "controller", "host": null`.
fn split_host(map: &mut Map<String, Value>) {
    let Some(label) = map.get("host").and_then(Value::as_str).map(str::to_string) else { return };
    let (on, host) = match label.split_once(' ') {
        Some((on @ ("origin" | "target"), host)) => (on.to_string(), Value::from(host)),
        _ => (label, Value::Null),
    };
    map.insert("on".into(), on.into());
    map.insert("host".into(), host);
}

/// `"wave": "wave 1 batch 2/3"` -> `"wave": 1, "batch": 2, "batches": 3` (batch fields only
/// under `--serial`).
fn split_wave(map: &mut Map<String, Value>) {
    let Some(label) = map.get("wave").and_then(Value::as_str).map(str::to_string) else { return };
    let mut words = label.split(' ');
    let number = words.nth(1).and_then(|n| n.parse::<u32>().ok());
    let Some(number) = number else { return };
    map.insert("wave".into(), number.into());
    if let (Some("batch"), Some(batch)) = (words.next(), words.next())
        && let Some((i, n)) = batch.split_once('/')
        && let (Ok(i), Ok(n)) = (i.parse::<u32>(), n.parse::<u32>())
    {
        map.insert("batch".into(), i.into());
        map.insert("batches".into(), n.into());
    }
}

/// `"role": "NAME (built into bmfleet)"` -> `"role": "NAME", "role_dir": null`;
/// `"NAME (from DIR)"` -> `"role_dir": "DIR"`.
fn split_role(map: &mut Map<String, Value>) {
    let Some(label) = map.get("role").and_then(Value::as_str).map(str::to_string) else { return };
    let Some((name, rest)) = label.split_once(" (") else { return };
    let origin = rest.strip_suffix(')').unwrap_or(rest);
    let dir = origin.strip_prefix("from ").map_or(Value::Null, Value::from);
    map.insert("role".into(), name.into());
    map.insert("role_dir".into(), dir);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn pretty(v: Value) -> String {
        serde_json::to_string_pretty(&v).expect("json")
    }

    fn at() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_796_000_000)
    }

    #[test]
    fn run_and_wave_events_carry_typed_fields_and_their_time() {
        let started = Event::RunStarted {
            run_id: "r1".into(),
            run_dir: "/srv/fleet/runs/r1".into(),
            role: "bluemind (built into bmfleet)".into(),
            phases: vec!["hot-sync".into()],
            pairs: 2,
            waves: 1,
            check_mode: false,
        };
        insta::assert_snapshot!("event_run_started", pretty(to_json(&started, at())));
        let wave = Event::WaveStarted { wave: "wave 1 batch 2/3".into(), pairs: vec!["acme".into()] };
        insta::assert_snapshot!("event_wave_started", pretty(to_json(&wave, at())));
        let from = Event::RunStarted {
            run_id: "r2".into(),
            run_dir: "runs/r2".into(),
            role: "renamed (from /srv/roles/renamed)".into(),
            phases: vec![],
            pairs: 0,
            waves: 0,
            check_mode: true,
        };
        assert_eq!(to_json(&from, at())["role_dir"], "/srv/roles/renamed");
    }

    #[test]
    fn step_events_say_which_side_and_which_host_apart() {
        let step = Event::StepStarted {
            pair: "acme".into(),
            phase: "hot-sync".into(),
            step: "rsync".into(),
            host: "origin 127.0.0.2".into(),
            attempt: 1,
        };
        insta::assert_snapshot!("event_step_started", pretty(to_json(&step, at())));
        let controller = Event::ManualIgnored {
            pair: "a".into(),
            step: "p/s".into(),
            host: "controller".into(),
            lines: 1,
        };
        let v = to_json(&controller, at());
        assert_eq!((v["on"].as_str(), v["host"].is_null()), (Some("controller"), true));
    }

    #[test]
    fn a_run_summary_carries_the_role_the_wave_and_each_manual_host_apart() {
        use crate::outcome::{ManualAction, PairReport, PairStatus, RunReport};
        let mut acme = PairReport::new("acme", "wave 2 batch 1/3", PairStatus::Warning);
        acme.duration = std::time::Duration::from_millis(61_250);
        acme.phases_completed = vec!["cutover".into()];
        acme.manual.push(ManualAction {
            step: "cutover/tell the operator".into(),
            host: "target 192.0.2.21".into(),
            text: "switch DNS".into(),
        });
        acme.manual.push(ManualAction {
            step: "post/x".into(),
            host: "controller".into(),
            text: "check".into(),
        });
        let report = RunReport {
            run_id: "r1".into(),
            role: "bluemind (built into bmfleet)".into(),
            phases: vec!["cutover".into()],
            check_mode: false,
            interrupted: false,
            deadline_reached: false,
            stopped: None,
            duration: std::time::Duration::from_secs(62),
            overrides: Vec::new(),
            pairs: vec![acme],
        };
        let v = summary_to_json(&report);
        assert_eq!((v["role"].as_str(), v["role_dir"].is_null()), (Some("bluemind"), true));
        let pair = &v["pairs"][0];
        assert_eq!(
            (pair["wave"].as_u64(), pair["batch"].as_u64(), pair["batches"].as_u64()),
            (Some(2), Some(1), Some(3))
        );
        assert_eq!(
            (pair["manual"][0]["on"].as_str(), pair["manual"][0]["host"].as_str()),
            (Some("target"), Some("192.0.2.21"))
        );
        assert!(pair["manual"][1]["host"].is_null(), "{pair}");
        insta::assert_snapshot!("summary", pretty(v));
    }
}

//! An event as `--format json` prints it, for programs: every value typed, no human text to
//! parse. The run's events carry the labels the console prints ("origin 127.0.0.2", "wave 1
//! batch 2/3", "bluemind (built into bmfleet)"); here each becomes separate fields, and every
//! event gets its time (`at`, RFC 3339 UTC). The shapes are in docs/json.md.

use std::time::SystemTime;

use serde_json::{Map, Value};

use crate::outcome::Event;

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
}

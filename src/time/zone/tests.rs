//! The wall clock around daylight saving changes, from the system's files (their transitions) and
//! from their footers' rules alone (the years after the last transition), north and south.

use super::*;

/// Seconds since the epoch of a UTC date and time.
fn utc(y: i64, mo: i64, d: i64, h: i64, mi: i64) -> f64 {
    (days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60) as f64
}

fn zone(name: &str) -> Zone {
    Zone::load(name).unwrap_or_else(|e| panic!("{e} (the tests need the tzdata package)"))
}

/// A zone with no transitions, so that every instant goes through the rule.
fn rule_only(text: &str) -> Zone {
    let rule = parse_rule(text).unwrap_or_else(|| panic!("`{text}` parses"));
    Zone { name: text.into(), transitions: Vec::new(), types: vec![rule.std.clone()], rule: Some(rule) }
}

#[test]
fn paris_changes_at_one_utc_on_the_last_sundays_of_march_and_october() {
    for z in [zone("Europe/Paris"), rule_only("CET-1CEST,M3.5.0,M10.5.0/3")] {
        // 2026-03-29: 02:00 CET becomes 03:00 CEST, at 01:00 UTC.
        assert_eq!(z.wall(utc(2026, 3, 29, 0, 59) + 59.0).full(), "2026-03-29 01:59:59 CET", "{}", z.name);
        assert_eq!(z.wall(utc(2026, 3, 29, 1, 0)).full(), "2026-03-29 03:00:00 CEST");
        // 2026-10-25: 03:00 CEST becomes 02:00 CET, at 01:00 UTC; 02:30 happens twice.
        assert_eq!(z.wall(utc(2026, 10, 25, 0, 30)).full(), "2026-10-25 02:30:00 CEST");
        assert_eq!(z.wall(utc(2026, 10, 25, 1, 30)).full(), "2026-10-25 02:30:00 CET");
        assert_eq!(z.wall(utc(2026, 12, 2, 0, 9)).full(), "2026-12-02 01:09:00 CET");
    }
}

#[test]
fn years_after_the_files_last_transition_follow_its_rule() {
    let paris = zone("Europe/Paris");
    assert_eq!(paris.wall(utc(2045, 3, 26, 1, 0)).full(), "2045-03-26 03:00:00 CEST");
    assert_eq!(paris.wall(utc(2045, 3, 26, 0, 59)).hm(), "01:59");
    assert_eq!(paris.wall(utc(2045, 7, 1, 12, 0)).abbr, "CEST");
    assert_eq!(paris.wall(utc(2045, 12, 1, 12, 0)).abbr, "CET");
}

#[test]
fn new_york_and_sydney_and_a_zone_without_dst() {
    for z in [zone("America/New_York"), rule_only("EST5EDT,M3.2.0,M11.1.0")] {
        // 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC); 2026-11-01 02:00 EDT -> 01:00 EST (06:00 UTC).
        assert_eq!(z.wall(utc(2026, 3, 8, 6, 59)).full(), "2026-03-08 01:59:00 EST");
        assert_eq!(z.wall(utc(2026, 3, 8, 7, 0)).full(), "2026-03-08 03:00:00 EDT");
        assert_eq!(z.wall(utc(2026, 11, 1, 5, 59)).full(), "2026-11-01 01:59:00 EDT");
        assert_eq!(z.wall(utc(2026, 11, 1, 6, 0)).full(), "2026-11-01 01:00:00 EST");
    }
    // The southern summer spans the new year: DST from October to April.
    for z in [zone("Australia/Sydney"), rule_only("AEST-10AEDT,M10.1.0,M4.1.0/3")] {
        assert_eq!(z.wall(utc(2026, 1, 15, 0, 0)).full(), "2026-01-15 11:00:00 AEDT");
        // 2026-04-05 03:00 AEDT -> 02:00 AEST (16:00 UTC the day before).
        assert_eq!(z.wall(utc(2026, 4, 4, 15, 59)).full(), "2026-04-05 02:59:00 AEDT");
        assert_eq!(z.wall(utc(2026, 4, 4, 16, 0)).full(), "2026-04-05 02:00:00 AEST");
        // 2026-10-04 02:00 AEST -> 03:00 AEDT (16:00 UTC the day before).
        assert_eq!(z.wall(utc(2026, 10, 3, 16, 0)).full(), "2026-10-04 03:00:00 AEDT");
    }
    for z in [zone("Europe/Istanbul"), rule_only("<+03>-3")] {
        assert_eq!(z.wall(utc(2026, 12, 2, 0, 9)).full(), "2026-12-02 03:09:00 +03");
    }
    assert_eq!(Zone::utc().wall(utc(2026, 12, 2, 0, 9)).full(), "2026-12-02 00:09:00 UTC");
    assert_eq!(zone("UTC").wall(utc(2026, 6, 2, 0, 9)).full(), "2026-06-02 00:09:00 UTC");
}

#[test]
fn a_name_that_is_no_zone_says_so() {
    let err = Zone::load("Europe/Pari").unwrap_err();
    assert!(err.starts_with("no time zone `Europe/Pari` in "), "{err}");
    for bad in ["../etc/passwd", "/etc/localtime", "Europe//Paris", "", "Paris time"] {
        let err = Zone::load(bad).unwrap_err();
        assert!(err.contains("is not a time zone name"), "{bad}: {err}");
    }
    assert_eq!(
        Zone::parse("x", b"not a zone file at all, but long enough to have a header").unwrap_err(),
        "no TZif header"
    );
}

#[test]
fn wall_dates_read_as_people_write_them() {
    let w = Zone::utc().wall(utc(2026, 12, 2, 1, 9) + 40.0);
    assert_eq!((w.date(), w.hm()), ("2 Dec 2026".to_string(), "01:09".to_string()));
}

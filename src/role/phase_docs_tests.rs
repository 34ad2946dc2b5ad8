//! docs/phases.md's table of phase keys cannot drift from `RawPhase`: a key a phase takes
//! without a row, or a row for a key no phase takes, fails here (as the step keys' table is
//! tested in `schema.rs`).

use crate::keys_tests::keys_of;

#[test]
fn the_phase_docs_have_one_row_for_every_phase_key() {
    let keys = keys_of::<super::schema::RawPhase>();
    assert!(keys.len() > 10, "the phase's keys, read from serde: {keys:?}");
    let documented: Vec<String> = include_str!("../../docs/phases.md")
        .lines()
        .skip_while(|l| !l.starts_with("| phase key |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .flat_map(|row| {
            let first = row.split('|').nth(1).unwrap_or_default();
            first.split('`').skip(1).step_by(2).map(str::to_string).collect::<Vec<_>>()
        })
        .collect();
    let missing: Vec<&&str> = keys.iter().filter(|k| !documented.iter().any(|d| d == *k)).collect();
    assert!(missing.is_empty(), "phase keys without a row in docs/phases.md: {missing:?}");
    let stale: Vec<&String> = documented.iter().filter(|d| !keys.contains(&d.as_str())).collect();
    assert!(stale.is_empty(), "rows of docs/phases.md's phase-key table for no phase key: {stale:?}");
}

//! The `--limit` grammar, table-driven against a small inventory.

use std::path::Path;

use super::*;
use crate::inventory::parse;

const INVENTORY: &str = r#"
groups:
  early: {}
  big: {}
pairs:
  - { name: acme, wave: 1, groups: [early], origin: { host: o1 }, target: { host: t1 } }
  - { name: acme-eu, wave: 1, groups: [big], origin: { host: o2 }, target: { host: t2 } }
  - { name: globex, wave: 2, groups: [early, big], origin: { host: o3 }, target: { host: t3 } }
  - { name: initech, wave: 2, origin: { host: o4 }, target: { host: t4 } }
  - { name: hooli, wave: 3, origin: { host: o5 }, target: { host: t5 } }
"#;

fn names(pattern: &str) -> Vec<String> {
    let inv = parse(Path::new("inv.yml"), INVENTORY).unwrap();
    select(&inv, pattern)
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
        .into_iter()
        .map(|i| inv.pairs[i].name.clone())
        .collect()
}

fn error(pattern: &str) -> String {
    let inv = parse(Path::new("inv.yml"), INVENTORY).unwrap();
    match select(&inv, pattern) {
        Ok(sel) => panic!("{pattern} should fail, selected {sel:?}"),
        Err(e) => {
            assert_eq!(e.exit_code(), crate::error::exit::BAD_INPUT);
            e.to_string()
        }
    }
}

#[test]
fn patterns_select_the_expected_pairs() {
    let cases: &[(&str, &[&str])] = &[
        ("all", &["acme", "acme-eu", "globex", "initech", "hooli"]),
        ("acme", &["acme"]),
        ("acme,hooli", &["acme", "hooli"]),
        ("acme:hooli", &["acme", "hooli"]),
        (" acme , hooli ", &["acme", "hooli"]),
        ("hooli,acme", &["acme", "hooli"]),
        ("acme*", &["acme", "acme-eu"]),
        ("*-e?", &["acme-eu"]),
        ("*e?", &["acme", "acme-eu", "globex", "initech", "hooli"]), // wave1..3 match too
        ("[gi]*", &["globex", "initech"]),
        ("[ag]*", &["acme", "acme-eu", "globex", "initech", "hooli"]), // `all` matches too
        ("h[!a]*", &["hooli"]),
        ("~^a.*u$", &["acme-eu"]),
        ("~ec", &["initech"]),
        ("early", &["acme", "globex"]),
        ("wave2", &["globex", "initech"]),
        ("wave*", &["acme", "acme-eu", "globex", "initech", "hooli"]),
        ("wave1:!acme", &["acme-eu"]),
        ("!acme:wave1", &["acme-eu"]),
        ("early:&big", &["globex"]),
        ("&big", &["acme-eu", "globex"]),
        ("!big", &["acme", "initech", "hooli"]),
        ("big:early:!wave2", &["acme", "acme-eu"]),
        ("all:!early:!hooli", &["acme-eu", "initech"]),
        ("early,&wave1", &["acme"]),
        ("acme,acme", &["acme"]),
    ];
    for (pattern, expected) in cases {
        assert_eq!(names(pattern), *expected, "pattern {pattern:?}");
    }
}

#[test]
fn patterns_read_names_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("failed.txt");
    std::fs::write(&file, "# retry\nacme\n\n  hooli  # the big one\n").unwrap();
    assert_eq!(names(&format!("@{}", file.display())), ["acme", "hooli"]);
    assert_eq!(names(&format!("@{},!hooli", file.display())), ["acme"]);

    std::fs::write(&file, "acme\nglobx\n").unwrap();
    let err = error(&format!("@{}", file.display()));
    assert!(err.contains("failed.txt:2:1: `globx` names no pair or group"), "{err}");
    assert!(err.contains("did you mean `globex`?"), "{err}");
}

#[test]
fn bad_patterns_are_errors_with_suggestions() {
    let cases: &[(&str, &str)] = &[
        ("no_match", "acm"),
        ("no_match_glob", "zz*"),
        ("no_match_exclusion", "all:!hoolo"),
        ("no_match_intersection", "&erly"),
        ("empty", " "),
        ("empty_term", "acme,,hooli"),
        ("bad_regex", "~(unclosed"),
        ("missing_file", "@/nonexistent/bmfleet-retry.txt"),
        ("selects_nothing_exclusion", "wave1:!wave1"),
        ("selects_nothing_intersection", "wave1:&wave2"),
        ("selects_nothing_in_fixed_order", "!early,&wave1,!acme-eu"),
    ];
    for (name, pattern) in cases {
        insta::assert_snapshot!(format!("pattern_error_{name}"), error(pattern));
    }
}

mod fuzz {
    //! Whatever `--limit` says, selecting returns pairs or an error; it never panics.
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn random_patterns_never_panic(pattern in "[a-z0-9:,!&~*?\\[\\]^$.()|+{}\\\\ -]{0,40}") {
            let inv = parse(Path::new("inv.yml"), INVENTORY).unwrap();
            let _ = select(&inv, &pattern);
        }

        #[test]
        fn any_unicode_never_panics(pattern in "[^@]{0,60}") {
            let inv = parse(Path::new("inv.yml"), INVENTORY).unwrap();
            let _ = select(&inv, &pattern);
        }
    }
}

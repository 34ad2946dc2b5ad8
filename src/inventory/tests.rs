//! Inventory loading: what a good file yields, and the message of each kind of bad file.

use std::path::{Path, PathBuf};

use super::*;

const GOOD: &str = r#"
defaults: { user: admin, port: 2200, identity_file: keys/id, known_hosts: /etc/kh, connect_timeout: 3 }
vars: { color: inventory, size: 1 }
groups:
  early: { description: first, vars: { color: early, speed: fast } }
  late: { vars: { color: late, speed: slow, tier: gold } }
pairs:
  - name: acme
    wave: 2
    groups: [early, late]
    origin: { host: old.acme }
    target: { host: new.acme, port: 22, user: root }
    vars: { size: 3 }
  - name: globex
    origin: { host: old.globex }
    target: { host: new.globex }
"#;

fn load_str(text: &str) -> crate::Result<Inventory> {
    parse(Path::new("inv/fleet.yml"), text)
}

fn error_text(text: &str) -> String {
    match load_str(text) {
        Ok(_) => panic!("expected an error"),
        Err(e) => {
            assert_eq!(e.exit_code(), crate::error::exit::BAD_INPUT);
            e.to_string()
        }
    }
}

#[test]
fn good_inventory_applies_defaults_and_overrides() {
    let inv = load_str(GOOD).unwrap();
    let acme = inv.pair("acme").unwrap();
    assert_eq!(acme.wave, 2);
    assert_eq!(acme.origin.user, "admin");
    assert_eq!(acme.origin.port, 2200);
    assert_eq!(acme.origin.identity_file.as_deref(), Some(Path::new("inv/keys/id")));
    assert_eq!(acme.origin.known_hosts, Path::new("/etc/kh"));
    assert_eq!(acme.origin.connect_timeout.as_secs(), 3);
    assert_eq!((acme.target.user.as_str(), acme.target.port), ("root", 22));
    let globex = inv.pair("globex").unwrap();
    assert_eq!(globex.wave, 1, "wave defaults to 1");
    assert_eq!(inv.waves(), vec![1, 2]);
    assert!(acme.in_group("wave2") && acme.in_group("all") && acme.in_group("late"));
    assert!(!globex.in_group("early"));
}

#[test]
fn variable_precedence_is_pair_then_groups_in_order_then_inventory_then_role() {
    let inv = load_str(GOOD).unwrap();
    let role_defaults: Vars = [("color", "role"), ("only_role", "r"), ("tier", "bronze")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
        .collect();
    let merged = merged_vars(&inv, inv.pair("acme").unwrap(), &role_defaults);
    let get = |k: &str| (merged[k].0.clone(), merged[k].1.clone());
    assert_eq!(get("size"), (serde_json::json!(3), VarSource::Pair));
    assert_eq!(get("color"), (serde_json::json!("early"), VarSource::Group("early".into())));
    assert_eq!(get("speed"), (serde_json::json!("fast"), VarSource::Group("early".into())));
    assert_eq!(get("tier"), (serde_json::json!("gold"), VarSource::Group("late".into())));
    assert_eq!(get("only_role"), (serde_json::json!("r"), VarSource::Role));
    let globex = merged_vars(&inv, inv.pair("globex").unwrap(), &role_defaults);
    assert_eq!(globex["color"], (serde_json::json!("inventory"), VarSource::Inventory));
}

/// A jump host is reached and verified with its own ssh config block, and every
/// `UserKnownHostsFile` and the global files are read.
#[test]
fn jump_hosts_use_their_own_ssh_config_block_and_every_known_hosts_file() {
    let cfg = crate::ssh::config::SshConfig::parse(
        Path::new("cfg"),
        "Host bastion\n  HostName 10.9.9.9\n  IdentityFile /keys/bastion\n  UserKnownHostsFile /kh/b1 /kh/b2\n\
         Host bm-*\n  ProxyJump bastion\n  UserKnownHostsFile /kh/u1 /kh/u2\n  GlobalKnownHostsFile /kh/g\n",
    );
    let inv = load::parse_with(
        Path::new("inv/fleet.yml"),
        "pairs:\n  - { name: p, origin: { host: bm-1 }, target: { host: bm-2, identity_file: /keys/host } }\n",
        Some(&cfg),
    )
    .unwrap();
    let target = &inv.pair("p").unwrap().target;
    assert_eq!(target.known_hosts, Path::new("/kh/u1"));
    assert_eq!(target.known_hosts_also, vec![PathBuf::from("/kh/u2"), PathBuf::from("/kh/g")]);
    let hop = &target.jump[0];
    assert_eq!(hop.host, "10.9.9.9");
    assert_eq!(hop.identity_file.as_deref(), Some(Path::new("/keys/bastion")));
    let (first, rest) = hop.known_hosts.clone().unwrap();
    assert_eq!(first, Path::new("/kh/b1"));
    assert!(
        rest.contains(&PathBuf::from("/kh/b2")) && rest.contains(&PathBuf::from("/etc/ssh/ssh_known_hosts"))
    );
    let files: Vec<_> = target.identity_files().collect();
    assert_eq!(files, vec![Some(Path::new("/keys/host")), Some(Path::new("/keys/bastion"))]);
}

#[test]
fn bad_inventories_are_reported_with_file_line_and_column() {
    let cases: &[(&str, &str)] = &[
        ("unknown_key", "pairs:\n  - name: a\n    origin: { host: o }\n    tagret: { host: t }\n"),
        ("missing_field", "pairs:\n  - name: a\n    origin: { host: o }\n"),
        ("missing_host", "pairs:\n  - name: a\n    origin: { port: 22 }\n    target: { host: t }\n"),
        (
            "duplicate_pair",
            "pairs:\n  - name: a\n    origin: { host: o1 }\n    target: { host: t1 }\n  - name: a\n    origin: { host: o2 }\n    target: { host: t2 }\n",
        ),
        ("same_host", "pairs:\n  - name: a\n    origin: { host: h, port: 22 }\n    target: { host: h }\n"),
        (
            "undefined_group",
            "groups:\n  early: {}\npairs:\n  - name: a\n    groups: [erly]\n    origin: { host: o }\n    target: { host: t }\n",
        ),
        (
            "bad_var_name",
            "vars:\n  bad-name: 1\npairs:\n  - name: a\n    origin: { host: o }\n    target: { host: t }\n",
        ),
        (
            "reserved_var",
            "pairs:\n  - name: a\n    origin: { host: o }\n    target: { host: t }\n    vars: { item: 1 }\n",
        ),
        (
            "override_in_inventory",
            "vars: { host_state_override: true }\npairs:\n  - name: a\n    origin: { host: o }\n    target: { host: t }\n",
        ),
        ("bad_pair_name", "pairs:\n  - name: \"a b\"\n    origin: { host: o }\n    target: { host: t }\n"),
        (
            "implicit_group",
            "groups:\n  wave1: {}\npairs:\n  - name: a\n    origin: { host: o }\n    target: { host: t }\n",
        ),
        ("bad_port", "pairs:\n  - name: a\n    origin: { host: o, port: 70000 }\n    target: { host: t }\n"),
        (
            "port_in_words",
            "pairs:\n  - name: a\n    origin: { host: o, port: \"twenty-two\" }\n    target: { host: t }\n",
        ),
        (
            "wave_in_words",
            "pairs:\n  - name: a\n    wave: one\n    origin: { host: o }\n    target: { host: t }\n",
        ),
        (
            "bad_connect_timeout",
            "defaults: { connect_timeout: 10 seconds }\npairs:\n  - name: a\n    origin: { host: o }\n    target: { host: t }\n",
        ),
        (
            "duplicate_key",
            "pairs:\n  - name: a\n    origin: { host: o }\n    target:\n      host: t\n      port: 22\n      port: 2222\n",
        ),
        (
            "duplicate_key_in_flow",
            "pairs:\n  - name: a\n    origin: { host: o, user: x, host: p }\n    target: { host: t }\n",
        ),
        ("syntax", "pairs:\n  - name: [a\n"),
        ("no_pairs", "pairs: []\n"),
        (
            "target_in_two_pairs",
            "pairs:\n  - name: a\n    origin: { host: o1 }\n    target: { host: t }\n  - name: b\n    origin: { host: o2 }\n    target: { host: T, port: 22 }\n",
        ),
        (
            "chain_of_migrations",
            "pairs:\n  - name: a\n    origin: { host: o }\n    target: { host: m }\n  - name: b\n    origin: { host: m }\n    target: { host: t }\n",
        ),
        (
            "option_host",
            "pairs:\n  - name: a\n    origin: { host: -oProxyCommand=x }\n    target: { host: t }\n",
        ),
    ];
    for (name, text) in cases {
        insta::assert_snapshot!(format!("inventory_error_{name}"), error_text(text));
    }
}

/// `connect_timeout` takes seconds or a duration, as role timeouts do, wherever it is written.
#[test]
fn connect_timeout_is_seconds_or_a_duration_in_every_place() {
    let text = "defaults: { connect_timeout: 1m }\ngroups:\n  slow: { connection: { connect_timeout: 1m30s } }\npairs:\n  - name: a\n    groups: [slow]\n    origin: { host: o, connect_timeout: 10s }\n    target: { host: t, port: \"2222\" }\n  - name: b\n    origin: { host: o2, connect_timeout: \"7\" }\n    target: { host: t2, connect_timeout: 5 }\n";
    let inv = load_str(text).unwrap();
    let secs =
        |pair: &str, side: fn(&Pair) -> &Endpoint| side(inv.pair(pair).unwrap()).connect_timeout.as_secs();
    assert_eq!(secs("a", |p| &p.origin), 10);
    assert_eq!(secs("a", |p| &p.target), 90, "the group's connection");
    assert_eq!(secs("b", |p| &p.origin), 7);
    assert_eq!(secs("b", |p| &p.target), 5);
    assert_eq!(inv.pair("a").unwrap().target.port, 2222);
    let err = error_text(
        "defaults: { connect_timeout: 0 }\npairs:\n  - { name: a, origin: { host: o }, target: { host: t } }\n",
    );
    assert!(err.contains("inv/fleet.yml:1:30: `0` is not a connect timeout"), "{err}");
    let err = error_text("pairs:\n  - { name: a, origin: { host: o, port: 0 }, target: { host: t } }\n");
    assert!(err.contains("`0` is not a port"), "{err}");
}

#[test]
fn the_same_address_on_another_port_is_another_host() {
    let text = "pairs:\n  - name: a\n    origin: { host: h, port: 2201 }\n    target: { host: t1 }\n  - name: b\n    origin: { host: h, port: 2202 }\n    target: { host: t2 }\n";
    assert!(load_str(text).is_ok());
}

#[test]
fn hosts_are_compared_after_ssh_config_resolution() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "Host new-a new-b\n  HostName 10.0.0.9\n  Port 2222\n").unwrap();
    let config = crate::ssh::config::SshConfig::load(&config).unwrap();
    let text = "pairs:\n  - name: a\n    origin: { host: o1 }\n    target: { host: new-a }\n  - name: b\n    origin: { host: o2 }\n    target: { host: new-b }\n";
    let err = match parse_with(Path::new("inv/fleet.yml"), text, Some(&config)) {
        Ok(_) => panic!("two names of one host are refused"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("10.0.0.9:2222 is the target of pair `b` and already the target of pair `a`"),
        "{err}"
    );
    assert!(err.contains("inv/fleet.yml:7:21"), "{err}");
}

#[test]
fn every_problem_is_reported_in_one_pass() {
    let text = "pairs:\n  - name: a\n    groups: [x]\n    origin: { host: h }\n    target: { host: h }\n  - name: a\n    origin: { host: o }\n    target: { host: t }\n";
    let err = error_text(text);
    assert_eq!(err.matches("error: ").count(), 3, "{err}");
}

/// Where each error of `text` is, as `line:column`, in the order reported.
fn error_places(text: &str) -> Vec<String> {
    error_text(text)
        .lines()
        .filter_map(|l| l.strip_prefix("error: inv/fleet.yml:"))
        .map(|l| l.splitn(3, ':').take(2).collect::<Vec<_>>().join(":"))
        .collect()
}

/// serde stops at its first mistake; the inventory's reader takes it out and reads on, so an
/// unknown key, a bad value in a flow mapping, one in a block and an undefined group are all
/// reported in one run, in the file's order (issue 28).
#[test]
fn serde_mistakes_and_checks_are_reported_together() {
    let text = "defaults:\n  prot: 22\ngroups:\n  canary:\n    descripton: small\npairs:\n  - name: a\n    groups: [canery]\n    origin: { host: o, port: 70000, user: x }\n    target:\n      host: t\n      port: abc\n      user: y\n  - { name: b, origin: { host: o2, usr: z }, target: { host: t2 } }\n";
    assert_eq!(error_places(text), ["2:3", "5:5", "8:14", "9:30", "12:13", "14:36"]);
    let err = error_text(text);
    assert!(err.contains("did you mean `description`?"), "{err}");
    assert!(!err.contains("missing field"), "{err}");
}

/// A misspelt key that is required (`tagret:`) is read as the key it is close to: what it holds
/// is still checked, and its absence is not a second error; written next to the right key, the
/// misspelt one is the only error.
#[test]
fn a_misspelt_required_key_is_one_error_and_its_value_is_checked() {
    let text = "pairs:\n  - name: a\n    origin: { host: o }\n    tagret: { host: t, port: 0 }\n  - name: b\n    origin: { host: o2 }\n    target: { host: t2 }\n    tagret: { host: t3 }\n";
    assert_eq!(error_places(text), ["4:5", "4:30", "8:5"]);
    let text =
        "pairs:\n  - name: a\n    origin: { host: o, prot: 2, usr: x, port: 0 }\n    target: { host: t }\n";
    assert_eq!(error_places(text), ["3:24", "3:33", "3:47"], "columns as written, after renames");
}

/// What cannot be taken out stops the reading: a syntax error, a key that is missing.
#[test]
fn reading_stops_where_the_rest_cannot_be_read() {
    let text = "pairs:\n  - name: a\n    origin: { host: o, prot: 2 }\n  - name: [b\n";
    assert_eq!(error_places(text).len(), 2, "{}", error_text(text));
    let text =
        "pairs:\n  - name: a\n    origin: { host: o, prot: 2 }\n  - name: b\n    origin: { host: o2 }\n";
    assert_eq!(error_places(text).len(), 2);
    assert!(error_text(text).contains("missing field `target`"));
    // A flow mapping over several lines is not taken apart: its first mistake is reported.
    let text =
        "pairs:\n  - name: a\n    origin: { host: o,\n      zzz: 2 }\n    target: { host: t, usr: x }\n";
    assert_eq!(error_places(text), ["4:7"]);
}

mod fuzz {
    //! Whatever the file holds, loading it returns an inventory or an error; it never panics.
    use proptest::prelude::*;

    use super::*;

    /// YAML-ish text from inventory-shaped fragments: more likely to reach the checks after
    /// parsing than random bytes.
    fn fragments() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("pairs:\n".to_string()),
            Just("  - name: a\n".to_string()),
            Just("    origin: { host: o }\n".to_string()),
            Just("    target: { host: t, port: 22 }\n".to_string()),
            Just("    groups: [g, wave1]\n".to_string()),
            Just("    wave: 4294967296\n".to_string()),
            Just("groups:\n  g: { vars: { x: 1 } }\n".to_string()),
            Just("vars: { a: [1, {b: c}], 'x y': 2 }\n".to_string()),
            Just("defaults: { user: '', port: -1, host: h }\n".to_string()),
            Just("&a x: *a\n".to_string()),
            Just("<<: *b\n".to_string()),
            "[ -~\u{e9}\u{1F600}\t\n]{0,20}",
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn random_text_never_panics(text in "\\PC{0,200}") {
            let _ = load_str(&text);
        }

        #[test]
        fn inventory_shaped_text_never_panics(text in fragments()) {
            let _ = load_str(&text);
        }
    }
}

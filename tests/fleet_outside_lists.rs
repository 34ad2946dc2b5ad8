//! Data outside the procedure's lists (issue #26, item 5): what BlueMind keeps beyond the seven
//! spools and the seed's configuration files travels with the tenant, and preflight reports any
//! /var/spool/bm-* or /etc/bm* of the origin the role would not carry. Paths are BlueMind's
//! (source: GitHub mirror mdhender/bluemindfork): /var/spool/bm-hollowed (DirectorySerializer.java,
//! TokensStore.java), /var/spool/bm-mapi, /var/spool/bm-core/rules (MailFilterRuleDeliveryHook.java),
//! /etc/bm-keycloak (KerberosConfigHelper.java), /etc/bm-mapi (configure-nginx.sh), the custom
//! nginx settings configure-nginx.sh includes (/etc/nginx/bm-local.d), and the LDAP export's
//! /etc/ldap/slapd.d and /var/lib/ldap (SlapdConfig.java). Every /etc/bm* is what BlueMind's own
//! configuration backup takes (protectConfigurationFiles.sh).

mod common;

use common::{Bmfleet, Fleet, scratch};

/// Files in every place above, plus a spool and an /etc/bm* entry no rule carries.
const ORIGIN_DATA: &str = r#"set -e
put() { mkdir -p "$(dirname "$1")"; printf '%s\n' "$2 of the origin" >"$1"; }
put /var/spool/bm-hollowed/tokens/t1 token
put /var/spool/bm-mapi/replica/m1 mapi
put /var/spool/bm-core/rules/vacation-u1 "already answered"
put /etc/bm-keycloak/krbconf.json krbconf
put /etc/bm-mapi/bm-upstream-mapi.conf upstream
put /etc/nginx/bm-local.d/custom.conf custom
put /etc/ldap/slapd.d/cn=config.ldif slapd
put /var/lib/ldap/data.mdb ldap
put /var/spool/bm-unlisted/x unlisted
put /etc/bm-loose.conf loose
"#;

const CARRIED: [&str; 8] = [
    "/var/spool/bm-hollowed/tokens/t1",
    "/var/spool/bm-mapi/replica/m1",
    "/var/spool/bm-core/rules/vacation-u1",
    "/etc/bm-keycloak/krbconf.json",
    "/etc/bm-mapi/bm-upstream-mapi.conf",
    "/etc/nginx/bm-local.d/custom.conf",
    "/etc/ldap/slapd.d/cn=config.ldif",
    "/var/lib/ldap/data.mdb",
];

#[test]
fn data_outside_the_procedures_lists_travels_and_what_no_rule_carries_is_reported() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    // /var/lib is an overlay reset does not restore: no LDAP database of an earlier run.
    for host in [&p.origin, &p.target] {
        fleet.sh(host, "rm -rf /var/lib/ldap");
    }
    fleet.populate(&p.origin);
    fleet.sh(&p.origin, ORIGIN_DATA);
    let dir = scratch();
    let inv = claim
        .inventory(&fleet, dir.path(), "vars: { cutover_mode: ip, cutover_prefix: 16 }", |_| String::new());
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run();
    let log = out.pair_log(&p.name);
    out.code(0);
    assert!(
        log.contains(
            "not carried (no spool nor config_paths entry takes them): /var/spool/bm-unlisted /etc/bm-loose.conf;"
        ),
        "{log}"
    );
    let summary = out.summary();
    let report = summary["pairs"].as_array().unwrap().iter().find(|r| r["pair"] == p.name.as_str()).unwrap();
    assert_eq!(report["status"], "warning", "{report}");
    let show = |host: &str| {
        fleet.sh(
            host,
            &format!("for f in {}; do cat \"$f\" 2>/dev/null || echo \"$f absent\"; done", CARRIED.join(" ")),
        )
    };
    assert_eq!(show(&p.target), show(&p.origin), "every file outside the seed's lists is on the target");
    assert_eq!(
        fleet.sh(
            &p.target,
            "for f in /var/spool/bm-unlisted /etc/bm-loose.conf; do [ -e $f ] || echo absent; done"
        ),
        "absent\nabsent",
        "reported, not carried"
    );
    for host in [&p.origin, &p.target] {
        fleet.sh(host, "rm -rf /var/lib/ldap");
    }
}

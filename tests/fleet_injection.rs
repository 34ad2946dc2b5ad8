//! The attacks of issue #13 on the test fleet, each checked with canary files on every host and
//! the controller: the target's root abusing a read-only trust, hostile addresses reaching a
//! second shell, newlines in values that become configuration.

mod common;

use std::path::Path;

use common::{Bmfleet, Fleet, scratch};

/// How the target's root reaches its origin with the migration key (what an attacker holding
/// the target would type).
const MIGRATION_SSH: &str = "ssh -i /root/.ssh/bmfleet_migration_ed25519 -o IdentitiesOnly=yes -o BatchMode=yes \
     -o UserKnownHostsFile=/root/.ssh/bmfleet_known_hosts -o HostKeyAlias=bmfleet-origin -o ControlPath=none";

fn no_canary(fleet: &Fleet, hosts: &[&str], canary: &str) {
    for host in hosts {
        let found = fleet.exec(host, &format!("ls -d {canary}* 2>/dev/null"));
        assert!(found.stdout.is_empty(), "a canary {canary}* appeared on {host}");
    }
    let parent = Path::new(canary).parent().unwrap();
    let name = Path::new(canary).file_name().unwrap().to_string_lossy().to_string();
    for entry in std::fs::read_dir(parent).unwrap().flatten() {
        assert!(
            !entry.file_name().to_string_lossy().starts_with(&name),
            "a canary appeared on the controller"
        );
    }
}

/// Read-only trust, with and without rrsync: through the migration key, the target's root can
/// neither remove the origin's files (`--remove-source-files`), nor make the origin's rsync write
/// a log file of its choosing (`-M--log-file`), nor push a file.
#[test]
fn the_read_only_trust_lets_the_target_write_nothing() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    // Pair 0: no rrsync (bmfleet's own guard). Pair 1: rrsync -ro.
    fleet.set(&claim.pair(0).origin, "no-rrsync", "");
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
    // trust requires preflight (it records the pair on both hosts).
    Bmfleet::new().arg("preflight").inventory(&inv).in_dir(dir.path()).run().code(0);
    let trust = Bmfleet::new().arg("trust").inventory(&inv).in_dir(dir.path()).run();
    trust.code(0);
    let canary = format!("/root/bmfleet-canary-ro-{}", std::process::id());
    for p in &claim.pairs {
        fleet.exec(&p.origin, "echo keep >/var/spool/bm-docs/keep-me");
        let origin = format!("root@{}", p.origin_addr);
        let attacks = [
            format!(
                "rsync --remove-source-files -e '{MIGRATION_SSH}' {origin}:/var/spool/bm-docs/keep-me /tmp/"
            ),
            format!(
                "rsync -M--log-file={canary}-log -M--log-file-format=%f -e '{MIGRATION_SSH}' {origin}:/etc/hostname /tmp/"
            ),
            format!("rsync -e '{MIGRATION_SSH}' /etc/hostname {origin}:{canary}-push"),
            format!("{MIGRATION_SSH} {origin} touch {canary}-ssh"),
            format!(
                "{MIGRATION_SSH} {origin} 'rsync --server --sender -e.Lsf . /etc/hostname; touch {canary}-semi'"
            ),
        ];
        for attack in &attacks {
            fleet.exec(&p.target, attack);
        }
        assert_eq!(
            fleet.sh(&p.origin, "cat /var/spool/bm-docs/keep-me"),
            "keep",
            "{}: the target removed an origin file through the migration key",
            p.name
        );
        no_canary(&fleet, &[&p.origin, &p.target], &canary);
        // Reading still works, also with a file list sent by the target (the final rsync's change
        // lists: --files-from=- on the origin's side), never with one read on the origin.
        let read =
            fleet.exec(&p.target, &format!("rsync -e '{MIGRATION_SSH}' {origin}:/etc/hostname /tmp/read"));
        assert!(read.status.success(), "{}: {}", p.name, String::from_utf8_lossy(&read.stderr));
        let listed = fleet.exec(
            &p.target,
            &format!(
                "rm -rf /tmp/listed && printf './hostname\\0' >/tmp/list0 && \
                 rsync -aH -I --files-from=/tmp/list0 --from0 --ignore-missing-args -e '{MIGRATION_SSH}' {origin}:/etc/ /tmp/listed/ && \
                 cat /tmp/listed/hostname"
            ),
        );
        assert!(listed.status.success(), "{}: {}", p.name, String::from_utf8_lossy(&listed.stderr));
        assert_eq!(String::from_utf8_lossy(&listed.stdout).trim(), fleet.sh(&p.origin, "cat /etc/hostname"));
    }
    for p in &claim.pairs {
        let log = trust.pair_log(&p.name);
        assert!(log.contains("read-only trust proved"), "{log}");
    }
    let keys = fleet.sh(&claim.pair(0).origin, "cat /root/.ssh/authorized_keys");
    assert!(keys.contains("command=\"/var/lib/bmfleet/rsync-read-only\""), "{keys}");
    // bmfleet's guard takes a file list from the client only, not from a file of the origin.
    let p = claim.pair(0);
    let origin = format!("root@{}", p.origin_addr);
    let from_file = fleet.exec(
        &p.target,
        &format!("rsync -M--files-from=/etc/hostname -e '{MIGRATION_SSH}' {origin}:/etc/ /tmp/from-file/"),
    );
    assert!(!from_file.status.success());
    let stderr = String::from_utf8_lossy(&from_file.stderr);
    assert!(stderr.contains("refused: option --files-from"), "{stderr}");
}

/// `origin_address` reached `bash -c "..."` as code in the read-only preflight; now it is an
/// argument, and refused unless a host name or address.
#[test]
fn a_hostile_origin_address_never_runs() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let canary = format!("/root/bmfleet-canary-addr-{}", std::process::id());
    let dir = scratch();
    // No space, quote or leading dash: the old single-word check let it through.
    let address = format!("x$(touch${{IFS}}{canary})");
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| {
        format!("vars: {{ origin_address: {} }}", serde_json::to_string(&address).unwrap())
    });
    // The role declares what origin_address may hold: refused at plan time, at its line, before
    // any host is touched (lib/origin-ssh.sh still refuses it on the host: "unusable origin address").
    let out = Bmfleet::new().arg("preflight").inventory(&inv).in_dir(dir.path()).run();
    out.code(2);
    assert!(
        out.stderr.contains("inventory.yml:") && out.stderr.contains("`origin_address`"),
        "{}",
        out.stderr
    );
    assert!(!out.runs.exists(), "nothing ran");
    no_canary(&fleet, &[&p.origin, &p.target], &canary);
}

/// A target whose migration public key holds a newline (its root is not trusted to write the
/// origin) must not add a second, unrestricted key on the origin, nor wipe the other keys.
#[test]
fn a_multi_line_target_key_is_refused_and_the_origin_keys_stay() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let dir = scratch();
    let before = fleet.sh(&p.origin, "cat /root/.ssh/authorized_keys");
    let attacker =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx attacker";
    fleet.exec(
        &p.target,
        &format!(
            "ssh-keygen -q -t ed25519 -N '' -C bmfleet-migration:{name} -f /root/.ssh/bmfleet_migration_ed25519 && \
             {{ cat /root/.ssh/bmfleet_migration_ed25519.pub; echo '{attacker}'; }} >/tmp/pub && \
             mv /tmp/pub /root/.ssh/bmfleet_migration_ed25519.pub",
            name = p.name
        ),
    );
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
    Bmfleet::new().arg("preflight").inventory(&inv).in_dir(dir.path()).run().code(0);
    let out = Bmfleet::new().arg("trust").inventory(&inv).in_dir(dir.path()).run();
    assert_ne!(out.code, 0, "a multi-line key is refused");
    let after = fleet.sh(&p.origin, "cat /root/.ssh/authorized_keys");
    assert!(!after.contains("attacker"), "the attacker's key reached the origin:\n{after}");
    assert_eq!(after, before, "the origin's other keys stay as they were");
}

/// `cutover_prefix`, `cutover_interface` and `cutover_address` become an ifupdown stanza (or
/// netplan YAML): a newline would add `up <command>`, run as root at the next `ifup`. The role
/// declares what each may hold (role.yml `vars:`), so the run stops at plan time, exit 2, at the
/// inventory's line, before any host is touched; take-address.sh checks them again on the target.
#[test]
fn newlines_in_cutover_values_are_refused_before_any_host_is_touched() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let canary = format!("/root/bmfleet-canary-cutover-{}", std::process::id());
    for (var, value) in [
        ("cutover_interface", format!("eth0\nup touch {canary}-iface")),
        ("cutover_prefix", format!("24\nup touch {canary}-prefix")),
        ("cutover_address", format!("{}\nup touch {canary}-address", p.origin_addr)),
        ("cutover_interface", format!("eth0;touch${{IFS}}{canary}-semi")),
    ] {
        let dir = scratch();
        let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: ifupdown }", |_| {
            format!("vars: {{ {var}: {} }}", serde_json::to_string(&value).unwrap())
        });
        let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).in_dir(dir.path()).run();
        out.code(2);
        assert!(out.stderr.contains(&format!("`{var}`")) && out.stderr.contains("inv"), "{}", out.stderr);
        assert!(!out.runs.exists(), "nothing ran");
        no_canary(&fleet, &[&p.origin, &p.target], &canary);
        let state = fleet.exec(&p.target, "ls /var/lib/bmfleet/state 2>/dev/null");
        assert!(state.stdout.is_empty(), "no host was touched");
    }
}

/// A migration key authorized by an older bmfleet (no key recorded) is not removed by its comment
/// with a success: that bmfleet could have added other lines (issue #13, item 6), so the
/// revocation fails, says which line, and leaves the file for the operator to check.
#[test]
fn a_key_no_trust_record_names_is_not_revoked_by_its_comment() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let dir = scratch();
    let old = format!(
        "restrict,command=\"rsync --server --sender -logDtpre.iLsfxC . /\" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx bmfleet-migration:{}",
        p.name
    );
    fleet.exec(&p.origin, &format!("echo '{old}' >>/root/.ssh/authorized_keys"));
    let before = fleet.sh(&p.origin, "cat /root/.ssh/authorized_keys");
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
    let out = Bmfleet::new().args(["trust", "--revoke"]).inventory(&inv).in_dir(dir.path()).run();
    out.code(3);
    assert_eq!(out.summary()["pairs"][0]["failed_step"], "revoke-trust/revoke on origin", "{}", out.stdout);
    let log = out.pair_log(&p.name);
    assert!(log.contains("that no trust record names"), "{log}");
    assert_eq!(fleet.sh(&p.origin, "cat /root/.ssh/authorized_keys"), before, "nothing removed");
    // Once the operator removed it, the revocation has nothing left to do.
    fleet.exec(&p.origin, "sed -i '/bmfleet-migration:/d' /root/.ssh/authorized_keys");
    Bmfleet::new().args(["trust", "--revoke"]).inventory(&inv).in_dir(dir.path()).run().code(0);
}

/// A pair's journal that is not UTF-8 (or cannot be read) is never taken for an empty history
/// and overwritten: that pair is refused with a message naming the file, a timestamped copy is
/// kept aside, and the other pairs run.
#[test]
fn an_unreadable_journal_blocks_its_pair_only_and_is_kept_aside() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (bad, good) = (claim.pair(0), claim.pair(1));
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
    let pairs = dir.path().join(".bmfleet/inventory/pairs");
    std::fs::create_dir_all(&pairs).unwrap();
    let journal = pairs.join(format!("{}.json", bad.name));
    let history = b"{\"pair\": \"x\", \"phases\": {\"preflight\": \xff\xfe}}".to_vec();
    std::fs::write(&journal, &history).unwrap();
    let out = Bmfleet::new().arg("preflight").inventory(&inv).in_dir(dir.path()).run();
    out.pair_is(&good.name, "ok");
    assert_ne!(out.pair_status(&bad.name), "ok", "{}", out.stdout);
    assert_ne!(out.code, 0);
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(
        said.contains("cannot be read: not UTF-8") && said.contains(&journal.display().to_string()),
        "{said}"
    );
    assert_eq!(std::fs::read(&journal).unwrap(), history, "the journal is not overwritten");
    let asides: Vec<_> = std::fs::read_dir(&pairs)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("{}.json.unreadable-", bad.name)))
        .collect();
    assert_eq!(asides.len(), 1, "one copy aside");
    assert_eq!(std::fs::read(asides[0].path()).unwrap(), history);
    // Nothing ran on the refused pair's hosts: no host state was recorded there.
    assert!(fleet.exec(&bad.target, "ls /var/lib/bmfleet/state 2>/dev/null").stdout.is_empty());
    assert!(!fleet.exec(&good.target, "ls /var/lib/bmfleet/state 2>/dev/null").stdout.is_empty());
}

/// Providers sign host keys: a host certificate is accepted when an `@cert-authority` line of the
/// controller's known_hosts vouches for the host (real sshd with `HostCertificate`, a CA made
/// with `ssh-keygen -s`), and refused when the line names another CA, never learnt.
#[test]
fn a_host_certificate_signed_by_a_known_ca_is_accepted_and_another_ca_is_not() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let addr = &p.origin_addr;
    // A second sshd on the origin (port 2222) offers its key with a certificate; the next reset
    // ends it with the other stray processes.
    fleet.sh(
        &p.origin,
        &format!(
            "set -e; cd /root; rm -f ca ca.pub other other.pub; \
             ssh-keygen -q -t ed25519 -N '' -C ca -f ca; ssh-keygen -q -t ed25519 -N '' -C other -f other; \
             cp /etc/ssh/ssh_host_ed25519_key.pub /root/host.pub; \
             ssh-keygen -q -s ca -I bmfleet-test -h -n {addr} -V -5m:+1h /root/host.pub; \
             /usr/sbin/sshd -p 2222 -o HostCertificate=/root/host-cert.pub -o PidFile=/run/sshd-ca.pid -E /run/sshd-ca.log"
        ),
    );
    let ca = fleet.sh(&p.origin, "cat /root/ca.pub");
    let other = fleet.sh(&p.origin, "cat /root/other.pub");
    let fleet_known = std::fs::read_to_string(fleet.known_hosts()).unwrap();
    for (authority, expected) in [(&ca, 0), (&other, 4)] {
        let dir = scratch();
        let known = dir.path().join("known_hosts");
        std::fs::write(&known, format!("{fleet_known}@cert-authority [{addr}]:2222 {authority}\n")).unwrap();
        let before = std::fs::read_to_string(&known).unwrap();
        let inv = dir.path().join("inventory.yml");
        std::fs::write(
            &inv,
            format!(
                "defaults: {{ user: root, identity_file: {}, known_hosts: {}, connect_timeout: 5 }}\npairs:\n  - {{ name: {}, origin: {{ host: {addr}, port: 2222 }}, target: {{ host: {} }} }}\n",
                fleet.key().display(),
                known.display(),
                p.name,
                p.target_addr
            ),
        )
        .unwrap();
        // Accepted without learning anything; refused even with --accept-new-host-keys (the
        // host has a known authority: its key is not "new").
        let args: &[&str] = if expected == 0 {
            &["exec", "hostname"]
        } else {
            &["exec", "--accept-new-host-keys", "hostname"]
        };
        let out = Bmfleet::new().args(args).inventory(&inv).run();
        assert_eq!(out.code, expected, "{}{}", out.stdout, out.stderr);
        if expected == 0 {
            assert!(out.stdout.contains(&format!("bm-{}", p.origin)), "{}", out.stdout);
        } else {
            assert!(out.stdout.contains("is not signed by an @cert-authority trusted"), "{}", out.stdout);
        }
        assert_eq!(std::fs::read_to_string(&known).unwrap(), before, "known_hosts is not written");
    }
}

//! SSH reach as providers have it: sudo instead of root logins, bastions, ~/.ssh/config.

mod common;

use std::process::Command;

use common::{Bmfleet, Fleet, FleetPair, pair_inventory, scratch};

/// Routes that make hosts unreachable from the controller (not from each other: the bridge
/// still carries their traffic), removed on drop.
struct Blackhole(Vec<String>);

impl Blackhole {
    fn new(addresses: &[&str]) -> Blackhole {
        for a in addresses {
            let ok = Command::new("ip")
                .args(["route", "replace", "blackhole", &format!("{a}/32")])
                .status()
                .unwrap();
            assert!(ok.success(), "ip route blackhole {a}");
        }
        Blackhole(addresses.iter().map(|a| a.to_string()).collect())
    }
}

impl Drop for Blackhole {
    fn drop(&mut self) {
        for a in &self.0 {
            let _ = Command::new("ip").args(["route", "del", "blackhole", &format!("{a}/32")]).status();
        }
    }
}

/// The pair with its target reached as `ops`, root through sudo with the password of `OPS_SUDO`.
fn sudo_inventory(fleet: &Fleet, p: &FleetPair, dir: &std::path::Path) -> std::path::PathBuf {
    pair_inventory(
        &dir.join("inv.yml"),
        (&fleet.key(), &fleet.known_hosts()),
        "",
        "",
        p,
        "user: ops, become: sudo, become_password_env: OPS_SUDO",
    )
}

fn accepted_logins(fleet: &Fleet, host: &str) -> usize {
    fleet.sh(host, "grep -c 'Accepted publickey' /run/sshd.log || true").parse().unwrap_or(0)
}

#[test]
fn hosts_without_root_logins_migrate_through_sudo() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    for p in &claim.pairs {
        for host in [&p.origin, &p.target] {
            fleet.set(host, "sudo-user", "admin nopasswd");
            fleet.set(host, "permit-root", "no");
        }
        fleet.populate(&p.origin);
    }
    // The second origin has no rrsync: bmfleet's own read-only guard runs under sudo instead.
    fleet.set(&claim.pair(1).origin, "no-rrsync", "");
    let dir = scratch();
    let inv = claim
        .inventory(&fleet, dir.path(), "vars: { cutover_mode: ip, cutover_prefix: 16 }", |_| String::new());
    let text =
        std::fs::read_to_string(&inv).unwrap().replace("  user: root\n", "  user: admin\n  become: sudo\n");
    std::fs::write(&inv, text).unwrap();
    // trust requires preflight (it records the pair on both hosts).
    Bmfleet::new().arg("preflight").inventory(&inv).in_dir(dir.path()).run().code(0);
    Bmfleet::new().arg("trust").inventory(&inv).in_dir(dir.path()).run().code(0);
    let keys = fleet.sh(&claim.pair(1).origin, "cat /var/tmp/home/admin/.ssh/authorized_keys");
    assert!(
        keys.contains("sudo -n --preserve-env=SSH_ORIGINAL_COMMAND /var/lib/bmfleet/rsync-read-only"),
        "{keys}"
    );
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).in_dir(dir.path()).run();
    out.code(0);
    for p in &claim.pairs {
        let (same, report) = fleet.verify(&p.origin, &p.target);
        assert!(same, "{}: {report}", p.name);
        // The target pulled as the sudo user, whose key was authorized through sudo, then revoked.
        assert!(
            !fleet
                .sh(&p.origin, "cat /var/tmp/home/admin/.ssh/authorized_keys")
                .contains("bmfleet-migration")
        );
    }
}

/// sudo with cached credentials reads no password: the password must never become the script's
/// first line (run by root). The password here is shell code that makes a canary file; the host's
/// messages are in French, which must not break the probe.
#[test]
fn a_sudo_password_never_runs_as_code_even_with_cached_credentials() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let canary = "/tmp/bmf-sudo-canary";
    let password = format!(":;touch${{IFS}}{canary};#Pa55");
    fleet.set(&p.target, "sudo-user", &format!("ops password:{password}"));
    // A host whose sudo caches credentials for every session, and speaks French to ops.
    fleet.sh(
        &p.target,
        &format!(
            "rm -f {canary}; echo 'Defaults:ops timestamp_type=global' >/etc/sudoers.d/zz-bmf-cache; \
             chmod 440 /etc/sudoers.d/zz-bmf-cache; echo 'export LANGUAGE=fr LANG=C.UTF-8' >/var/tmp/home/ops/.bashrc"
        ),
    );
    let dir = scratch();
    let inv = sudo_inventory(&fleet, p, dir.path());
    // Several steps on one connection: the first sudo caches the credentials for the others.
    for _ in 0..2 {
        let out = Bmfleet::new()
            .args(["exec", "--on", "target", "id -un; id -un"])
            .inventory(&inv)
            .env("OPS_SUDO", &password)
            .run();
        out.code(0);
        assert!(out.stdout.lines().any(|l| l == "root"), "{}", out.all_output());
        assert!(!out.all_output().contains(&password));
    }
    let ran = fleet.sh(
        &p.target,
        &format!(
            "test -e {canary} && echo RAN || echo clean; rm -f {canary} /etc/sudoers.d/zz-bmf-cache /var/tmp/home/ops/.bashrc"
        ),
    );
    assert_eq!(ran.trim(), "clean", "the sudo password ran as a command on the target");
}

#[test]
fn a_sudo_that_wants_a_password_fails_clearly_unless_given_one() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let password = "sudo-Pa55-never-printed";
    fleet.set(&p.target, "sudo-user", &format!("ops password:{password}"));
    let dir = scratch();
    let inv = sudo_inventory(&fleet, p, dir.path());
    let missing = Bmfleet::new().args(["exec", "--on", "target", "id -un"]).inventory(&inv).run();
    missing.code(2);
    assert!(missing.stderr.contains("OPS_SUDO"), "{}", missing.stderr);

    let wrong = Bmfleet::new()
        .args(["exec", "--on", "target", "id -un"])
        .inventory(&inv)
        .env("OPS_SUDO", "nope")
        .run();
    wrong.code(3);
    assert!(wrong.all_output().contains(&format!("sudo on {}", p.target_addr)), "{}", wrong.all_output());

    let inv_nopass = dir.path().join("nopass.yml");
    std::fs::write(
        &inv_nopass,
        std::fs::read_to_string(&inv).unwrap().replace(", become_password_env: OPS_SUDO", ""),
    )
    .unwrap();
    let no_password = Bmfleet::new().args(["exec", "--on", "target", "id -un"]).inventory(&inv_nopass).run();
    no_password.code(3);
    let text = no_password.all_output();
    assert!(text.contains("wants a password for root") && text.contains("NOPASSWD"), "{text}");

    let good = Bmfleet::new()
        .args(["exec", "--on", "target", "id -un"])
        .inventory(&inv)
        .env("OPS_SUDO", password)
        .run();
    good.code(0);
    assert!(good.stdout.lines().any(|l| l == "root"), "{}", good.stdout);
    assert!(!good.all_output().contains(password) && !common::run_dirs(&good.runs).is_empty());
    for d in common::run_dirs(&good.runs) {
        for f in std::fs::read_dir(d).unwrap().flatten() {
            assert!(!std::fs::read_to_string(f.path()).unwrap_or_default().contains(password));
        }
    }
}

#[test]
fn a_fleet_behind_a_bastion() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (hidden, other) = (claim.pair(0), claim.pair(1));
    let bastion = other.origin_addr.clone();
    fleet.populate(&hidden.origin);
    let _hole = Blackhole::new(&[&hidden.origin_addr, &hidden.target_addr]);
    let dir = scratch();
    let write = |name: &str, jump: &str| {
        pair_inventory(
            &dir.path().join(name),
            (&fleet.key(), &fleet.known_hosts()),
            &format!("connect_timeout: 4 {jump}"),
            "vars: { cutover_mode: ip, cutover_prefix: 16 }\n",
            hidden,
            "",
        )
    };
    let direct = write("direct.yml", "");
    Bmfleet::new().args(["exec", "hostname"]).inventory(&direct).run().code(4);

    let through = write("bastion.yml", &format!(", jump: root@{bastion}"));
    let before = accepted_logins(&fleet, &other.origin);
    let out = Bmfleet::new().args(["exec", "hostname"]).inventory(&through).run();
    out.code(0);
    assert!(
        out.stdout.contains(&format!("bm-{}", hidden.origin))
            && out.stdout.contains(&format!("bm-{}", hidden.target))
    );
    assert_eq!(accepted_logins(&fleet, &other.origin) - before, 1, "one bastion connection for both hosts");

    // A hot sync through the bastion: the controller's steps go through it, the target pulls
    // from its origin directly.
    // trust requires preflight (it records the pair on both hosts).
    Bmfleet::new().arg("preflight").inventory(&through).in_dir(dir.path()).run().code(0);
    Bmfleet::new().arg("trust").inventory(&through).in_dir(dir.path()).run().code(0);
    Bmfleet::new().arg("hot-sync").inventory(&through).in_dir(dir.path()).run().code(0);
    assert!(fleet.verify_spools(&hidden.origin, &hidden.target).0);

    // The bastion's host key is verified as strictly as any host's.
    let kh = dir.path().join("known_hosts");
    let real = std::fs::read_to_string(fleet.known_hosts()).unwrap();
    let other_key = dir.path().join("other");
    Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&other_key)
        .status()
        .unwrap();
    let fake = std::fs::read_to_string(other_key.with_extension("pub")).unwrap();
    let fake = fake.split_whitespace().take(2).collect::<Vec<_>>().join(" ");
    let forged: String =
        real.lines()
            .map(|l| {
                if l.starts_with(&format!("{bastion} ")) {
                    format!("{bastion} {fake}")
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
    std::fs::write(&kh, forged + "\n").unwrap();
    let text = std::fs::read_to_string(&through)
        .unwrap()
        .replace(&fleet.known_hosts().display().to_string(), &kh.display().to_string());
    std::fs::write(&through, text).unwrap();
    let refused = Bmfleet::new().args(["exec", "hostname"]).inventory(&through).run();
    refused.code(4);
    let text = refused.all_output();
    assert!(
        text.contains("jump host") && text.contains("HOST KEY CHANGED") && text.contains(&bastion),
        "{text}"
    );
}

#[test]
fn ssh_config_completes_the_inventory() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let dir = scratch();
    let config = dir.path().join("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host tenant-old\n  HostName {}\nHost tenant-new\n  HostName {}\n  Port 22\nHost tenant-*\n  User root\n  IdentityFile {}\n  UserKnownHostsFile {}\n",
            p.origin_addr,
            p.target_addr,
            fleet.key().display(),
            fleet.known_hosts().display()
        ),
    )
    .unwrap();
    let inv = dir.path().join("inv.yml");
    std::fs::write(&inv, format!("pairs:\n  - {{ name: {}, origin: {{ host: tenant-old }}, target: {{ host: tenant-new, user: root }} }}\n", p.name)).unwrap();
    let out = Bmfleet::new().args(["exec", "hostname", "--ssh-config"]).arg(&config).inventory(&inv).run();
    out.code(0);
    assert!(
        out.stdout.contains(&format!("bm-{}", p.origin)) && out.stdout.contains(&format!("bm-{}", p.target))
    );
    let list = Bmfleet::new()
        .args(["inventory", "list", "--pair", &p.name, "--ssh-config"])
        .arg(&config)
        .inventory(&inv)
        .run();
    list.code(0);
    let line = |key: &str| {
        list.stdout
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("{key}:\n{}", list.stdout))
            .to_string()
    };
    assert!(
        line("origin.address").contains(&p.origin_addr) && line("origin.address").contains("ssh_config:2")
    );
    assert!(line("origin.user").contains("ssh_config:7"), "{}", line("origin.user"));
    assert!(line("target.user").ends_with("host"), "the inventory wins: {}", line("target.user"));
    assert!(line("origin.identity_file").contains("ssh_config:8"));
}

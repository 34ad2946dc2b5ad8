//! The campaign on a real mail stack (#14): Postfix and Cyrus in every host of a mail fleet
//! (`tests/fleet/fleet up 2 --mail`, BMFLEET_MAIL_FLEET), mail flowing from the sender host during
//! the whole migration, IMAP clients working on the origin between hot syncs, and the target
//! checked over IMAP afterwards: nothing lost, nothing twice, UIDs, folders and flags kept. The
//! downtime as a client sees it is measured from outside and printed.

mod common;

use common::{Bmfleet, Fleet, repo, scratch};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

/// The target takes the origin's address (the fleet's hosts are on a /16): the sender's retries
/// then reach it without any change on the sender.
const VARS: &str = "vars: { cutover_mode: ip, cutover_prefix: 16 }";

fn client() -> PathBuf {
    repo().join("tests/fleet/lib/mail-client.py")
}

/// A `KEY=VALUE` of the fleet's mail.conf (printf %q values: plain words here).
fn mail_conf(fleet: &Fleet, key: &str) -> String {
    let text = std::fs::read_to_string(fleet.dir.join("mail.conf")).expect("mail.conf: not a mail fleet");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{key} missing from mail.conf"))
        .to_string()
}

/// One run of lib/mail-client.py: its subcommand, then options in the order given.
struct MailClient {
    args: Vec<String>,
}

impl MailClient {
    fn new(command: &str) -> Self {
        MailClient { args: vec![command.to_string()] }
    }

    /// `--key value`
    fn opt(mut self, key: &str, value: impl AsRef<str>) -> Self {
        self.args.push(format!("--{key}"));
        self.args.push(value.as_ref().to_string());
        self
    }

    /// A tenant's mailboxes: the server's address, the tenant's domain and its users' password.
    fn tenant(self, host: &str, domain: &str, password: &str) -> Self {
        self.opt("host", host).opt("domain", domain).opt("password", password)
    }

    fn command(&self) -> Command {
        let mut cmd = Command::new(client());
        cmd.args(&self.args);
        cmd
    }

    /// Runs to its end, whatever its exit status.
    fn output(&self) -> Output {
        self.command().output().expect("mail-client.py")
    }

    /// Runs to its end, which must be a success; its stdout.
    fn run(&self) -> String {
        let out = self.output();
        assert!(
            out.status.success(),
            "mail-client {:?}: {}{}",
            self.args,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    }

    fn spawn(&self) -> Child {
        self.command().spawn().expect("mail-client.py")
    }
}

/// Wait until `cond` holds, or fail with `what`.
fn wait_for(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "{what} (after {secs} s)");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Seconds of the sender log's "Mmm dd hh:mm:ss" (the day is today's: the test is short).
fn log_secs(line: &str) -> Option<u64> {
    let t = line.get(7..15)?;
    let mut it = t.split(':').map(|x| x.parse::<u64>().ok());
    Some(it.next()?? * 3600 + it.next()?? * 60 + it.next()??)
}

/// The SMTP window from the sender's log, for a tenant's address: the first deferral, then the
/// first acceptance after it (seconds).
fn smtp_window(log: &str, addr: &str) -> Option<(u64, u64)> {
    let relay = format!("relay={addr}[");
    let mut first_defer = None;
    for line in log.lines() {
        if line.contains("postfix/smtp[")
            && line.contains("status=deferred")
            && line.contains(&format!("{addr}["))
            && first_defer.is_none()
        {
            first_defer = log_secs(line);
        }
        if let Some(d) = first_defer
            && line.contains(&relay)
            && line.contains("status=sent")
            && let Some(t) = log_secs(line)
            && t >= d
        {
            return Some((d, t.saturating_sub(d)));
        }
    }
    None
}

/// The IMAP window from the prober's log: the longest gap between two successful logins.
fn imap_window(log: &Path) -> f64 {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let oks: Vec<f64> = text
        .lines()
        .filter_map(|l| l.strip_prefix("ok ").and_then(|t| t.split(' ').next()?.parse().ok()))
        .collect();
    oks.windows(2).map(|w| w[1] - w[0]).fold(0.0, f64::max)
}

fn sender_log(fleet: &Fleet) -> String {
    fleet.sh("sender", "cat /var/log/postfix.log")
}

/// The campaign's numbers (lost/duplicated, mailboxes, windows) belong in CI's log even when the
/// test passes: written to the process's stderr directly, which the test harness does not capture.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

#[test]
// One campaign, told in order (load, client work, syncs, migrate, verification): splitting it would hide the story.
#[allow(clippy::too_many_lines)]
fn campaign_under_mail_load_loses_nothing_and_keeps_uids_and_flags() {
    let t0 = Instant::now();
    let fleet = Fleet::from_var("BMFLEET_MAIL_FLEET");
    let claim = fleet.claim(2);
    let password = mail_conf(&fleet, "MAIL_USER_PASSWORD");
    let users = mail_conf(&fleet, "MAIL_USERS").replace("\\ ", ",").replace(' ', ",");
    let sender = mail_conf(&fleet, "SENDER_IP");
    // the sender starts empty: no queue, no log of an earlier test
    fleet.sh("sender", "postsuper -d ALL >/dev/null 2>&1; : >/var/log/postfix.log; postfix flush");
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), VARS, |_| String::new());
    let domains: Vec<String> = claim.pairs.iter().map(|p| format!("{}.example", p.name)).collect();
    let (sent, stop) = (dir.path().join("sent.jsonl"), dir.path().join("stop"));
    let (sent_s, stop_s) = (sent.to_str().unwrap(), stop.to_str().unwrap());
    let mut load = MailClient::new("load")
        .opt("sender", &sender)
        .opt("domains", domains.join(","))
        .opt("users", &users)
        .opt("rate", "3")
        .opt("sent", sent_s)
        .opt("stop", stop_s)
        .spawn();
    let lines = |p: &Path| std::fs::read_to_string(p).map(|t| t.lines().count()).unwrap_or(0);
    wait_for(60, "the sender accepted no mail", || lines(&sent) >= 40);

    // preflight and trust, then hot syncs with IMAP clients working on the origin in between
    Bmfleet::new().args(["preflight"]).inventory(&inv).run().code(0);
    Bmfleet::new().args(["trust"]).inventory(&inv).run().code(0);
    let mut expunged: Vec<serde_json::Value> = Vec::new();
    for step in 1..=2 {
        for (p, d) in claim.pairs.iter().zip(&domains) {
            let out = MailClient::new("act")
                .tenant(&p.origin_addr, d, &password)
                .opt("step", step.to_string())
                .run();
            let v: serde_json::Value = serde_json::from_str(&out).expect("act output");
            expunged.extend(v["expunged"].as_array().unwrap().iter().cloned());
        }
        Bmfleet::new().args(["hot-sync"]).inventory(&inv).run().code(0);
    }
    let expunged_file = dir.path().join("expunged.json");
    std::fs::write(&expunged_file, serde_json::to_string(&expunged).unwrap()).unwrap();
    // the state before the cold sync, as the tenants' clients know it
    let mut snaps = Vec::new();
    for (p, d) in claim.pairs.iter().zip(&domains) {
        let snap =
            MailClient::new("snapshot").tenant(&p.origin_addr, d, &password).opt("users", &users).run();
        let path = dir.path().join(format!("snapshot-{}.json", p.name));
        std::fs::write(&path, snap).unwrap();
        snaps.push(path);
    }

    // the migration, with the load still running and an IMAP client logging in all along
    let probe_log = dir.path().join("imap-probe.log");
    let mut probe = MailClient::new("probe")
        .opt("host", &claim.pair(0).origin_addr)
        .opt("user", format!("u6@{}", domains[0]))
        .opt("password", &password)
        .opt("log", probe_log.to_str().unwrap())
        .opt("stop", stop_s)
        .spawn();
    let before = lines(&sent);
    let out = Bmfleet::new().args(["migrate", "--yes"]).inventory(&inv).run();
    out.code(0);
    for p in &claim.pairs {
        out.pair_is(&p.name, "ok");
    }
    // a few seconds of mail after the cutover, then everything queued must arrive
    let after = lines(&sent);
    wait_for(60, "no mail accepted after the migration", || lines(&sent) >= after + 20);
    std::fs::write(&stop, "").unwrap();
    load.wait().unwrap();
    probe.wait().unwrap();
    // Postfix once spaced a message's retries far beyond maximal_backoff_time (minutes, not
    // seconds): a flush, as the sender's operator would run, bounds the test's wait.
    let mut n = 0;
    wait_for(90, "the sender's queue did not drain", || {
        n += 1;
        if n % 10 == 0 {
            fleet.sh("sender", "postqueue -f");
        }
        fleet.sh("sender", "postqueue -j | wc -l") == "0"
    });

    // and what the targets' postfix accepted reaches their Cyrus (a delivery deferred while
    // Cyrus started waits for Postfix's own backoff, minutes: flushed)
    for p in &claim.pairs {
        wait_for(90, "a target's postfix queue did not drain", || {
            fleet.sh(&p.target, "postqueue -f; sleep 1; postqueue -j | wc -l") == "0"
        });
    }
    let log = sender_log(&fleet);
    let mut failed = false;
    for ((p, d), snap) in claim.pairs.iter().zip(&domains).zip(&snaps) {
        // over the tenant's address: the target holds it now
        let out = MailClient::new("check")
            .tenant(&p.origin_addr, d, &password)
            .opt("users", &users)
            .opt("sent", sent_s)
            .opt("snapshot", snap.to_str().unwrap())
            .opt("expunged", expunged_file.to_str().unwrap())
            .output();
        let text =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        say!("{}: {text}", p.name);
        failed |= !out.status.success();
        assert!(
            fleet.sh(&p.target, "ip -o addr show dev eth0").contains(&format!("{}/16", p.origin_addr)),
            "the target holds the origin's address"
        );
        match smtp_window(&log, &p.origin_addr) {
            Some((_, w)) => {
                say!("{}: SMTP window (first deferral to first acceptance after it): {w} s", p.name)
            }
            None => panic!(
                "{}: no deferral then acceptance in the sender's log: was mail deferred at all?",
                p.name
            ),
        }
    }
    say!(
        "{}: IMAP window (last login before the downtime to first after it): {:.1} s",
        claim.pair(0).name,
        imap_window(&probe_log)
    );
    say!(
        "campaign: {} messages handed over ({} during migrate), {:.0} s in all",
        lines(&sent),
        after - before,
        t0.elapsed().as_secs_f64()
    );
    assert!(!failed, "the target does not hold every message exactly once (see above)");
}

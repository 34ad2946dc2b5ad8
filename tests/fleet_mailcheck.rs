//! The mailbox-level check before the point of no return (issue #14), on BlueMind 4.x (Cyrus)
//! pairs: a migration reports "all N messages in M mailboxes on the target"; a mail delivered to
//! the origin after its final rsync read the mail spool makes the check fail the pair before
//! cutover, and the engine puts the origin back in service; an unreadable index fails its pair.
//!
//! The late mail's seam: the origin's forced command for the migration key (`rrsync -ro /`,
//! written by the trust phase) is wrapped, after the trust phase, by a script that runs it and
//! then, the first time the stopped origin's /var/spool/cyrus/ was read for the last time (the
//! final rsync of the cold sync: its walk, `-r`, or, from change lists, its last pass over the
//! changed directories, `-d`; not the pass of the changed files before it), delivers one message
//! into a mailbox as Cyrus would: a new `<uid>.` file and its
//! cyrus.index header updated (version 13, BlueMind 4.x's Cyrus 3.0: CyrusIndexHeader.java in
//! BlueMind's source, as tests/fleet/lib/populate.py writes it). The target's rsync returns only
//! once the wrapper exits, so the mail is on the origin before the cold sync goes on: exactly "a
//! mail delivered after the final rsync". Without the mailbox check, the cold sync's other
//! verification compares counts the origin took while its spool was still being read, and the
//! pair cuts over without that mail.

mod common;

use common::{Bmfleet, Fleet, scratch};

/// Runs the read-only rsync the trust phase set up, then delivers the late mail once.
const WRAPPER: &str = r#"#!/bin/bash
rrsync -ro /
rc=$?
read -r _ _ _ flags _ <<<"${SSH_ORIGINAL_COMMAND-}"
flags=${flags%%e*}
case "${SSH_ORIGINAL_COMMAND-}/$flags" in
  *" /var/spool/cyrus/"/-*[dr]*)
    if [ -e /root/late-mail.armed ] && [ "$(cat /etc/bmfleet-sim/bluemind.state)" = stopped ]; then
      rm -f /root/late-mail.armed
      python3 /root/late-mail.py >/root/late-mail.log 2>&1 </dev/null
    fi ;;
esac
exit $rc
"#;

/// One message into the first user's INBOX, with its index header (version 13) updated.
const DELIVER: &str = r#"
import glob, os, pwd, struct, zlib
index = sorted(glob.glob("/var/spool/cyrus/meta/*/domain/*/*/*/user/*/cyrus.index"))[0]
data = os.path.dirname(index).replace("/var/spool/cyrus/meta/", "/var/spool/cyrus/data/", 1)
raw = bytearray(open(index, "rb").read())
w = list(struct.unpack(">32I", raw[:128]))
assert w[2] == 13, w[2]
uid = w[7] + 1
path = os.path.join(data, f"{uid}.")
with open(path, "wb") as f:
    f.write(b"From: late@sender.example\r\nSubject: after the final rsync\r\n\r\nlate\r\n")
cyrus = pwd.getpwnam("cyrus")
os.chown(path, cyrus.pw_uid, cyrus.pw_gid)
os.chmod(path, 0o600)
w[5] += 1
w[7] = uid
w[21] += 1
head = struct.pack(">31I", *w[:31])
record = struct.pack(">I", uid) + bytes(w[4] - 4)
open(index, "wb").write(head + struct.pack(">I", zlib.crc32(head)) + bytes(raw[128:]) + record)
print(path)
"#;

#[test]
fn a_mail_delivered_to_the_origin_after_its_final_rsync_fails_the_pair_before_cutover() {
    let fleet = Fleet::get();
    let claim = fleet.claim(3);
    let (good, late, broken) = (claim.pair(0), claim.pair(1), claim.pair(2));
    for p in &claim.pairs {
        fleet.set(&p.origin, "bm-version", "4.9.3");
        fleet.set(&p.target, "bm-version", "4.9.3");
        fleet.populate(&p.origin);
    }
    let dir = scratch();
    let state = dir.path().join("state");
    let inv = claim
        .inventory(&fleet, dir.path(), "vars: { cutover_mode: ip, cutover_prefix: 16 }", |_| String::new());
    for phase in ["preflight", "trust", "hot-sync"] {
        Bmfleet::new().arg(phase).inventory(&inv).arg("--state-dir").arg(&state).run().code(0);
    }
    let wrapped = fleet.sh(
        &late.origin,
        &format!(
            "cat >/root/late-mail.sh <<'EOF'\n{WRAPPER}EOF\ncat >/root/late-mail.py <<'EOF'\n{DELIVER}EOF\n\
             chmod 700 /root/late-mail.sh && touch /root/late-mail.armed && \
             sed -i 's|command=\"rrsync -ro /\"|command=\"/root/late-mail.sh\"|' /root/.ssh/authorized_keys && \
             grep -c 'command=\"/root/late-mail.sh\"' /root/.ssh/authorized_keys"
        ),
    );
    assert_eq!(wrapped, "1", "the late pair's migration key runs the wrapper");
    // sshd binds a key's forced command when a connection authenticates: the target's shared
    // connection to its origin, kept open since the hot sync, must go for the wrapper to apply.
    fleet.sh(
        &late.target,
        "ssh -o ControlPath=/run/bmfleet-origin.sock -O exit bmfleet-origin 2>/dev/null; true",
    );

    // A mailbox whose index cannot be read is a failure, never "equal" (both hosts would hold
    // the same unreadable bytes once the final rsync copied them).
    let index = fleet.sh(
        &broken.origin,
        "f=$(ls /var/spool/cyrus/meta/*/domain/*/*/*/user/*/cyrus.index | head -n 1) && head -c 300 /dev/urandom >\"$f\" && echo \"$f\"",
    );
    let out = Bmfleet::new().args(["migrate", "--yes", "--state-dir"]).arg(&state).inventory(&inv).run();
    out.code(3);
    let summary = out.summary();
    let report =
        |pair: &str| summary["pairs"].as_array().unwrap().iter().find(|r| r["pair"] == pair).unwrap().clone();

    // The ordinary pair: every mailbox checked, and it migrated.
    assert_eq!(report(&good.name)["status"], "ok", "{summary}");
    let log = out.pair_log(&good.name);
    let all = log
        .lines()
        .find(|l| l.contains("all ") && l.contains(" mailboxes on the target"))
        .unwrap_or_else(|| panic!("{log}"));
    assert!(all.contains("read from cyrus.index headers, index version 13"), "{all}");
    // What it verified is recorded for the customer's report (journal values).
    let words: Vec<&str> = all.split_whitespace().collect();
    let at = words.iter().position(|w| *w == "all").unwrap();
    let values = &common::journal_in(&state.join("pairs"), &good.name)["values"];
    assert_eq!(values["verified_messages"].to_string(), words[at + 1], "{all}: {values}");
    assert_eq!(values["verified_mailboxes"].to_string(), words[at + 4], "{all}: {values}");
    let (same, diff) = fleet.verify(&good.origin, &good.target);
    assert!(same, "{diff}");

    // The late pair: the mail reached its origin after the final rsync, the check saw it.
    let delivered = fleet.sh(&late.origin, "cat /root/late-mail.log");
    assert!(delivered.starts_with("/var/spool/cyrus/data/") && delivered.ends_with('.'), "{delivered}");
    let r = report(&late.name);
    assert_eq!(r["status"], "failed", "{summary}");
    assert_eq!(r["failed_step"], "cold-sync/same mailboxes as the origin", "{summary}");
    assert_eq!(r["rollback"]["ok"], true, "{r}");
    let stdout = &out.stdout;
    assert!(stdout.contains("1 mailbox(es) differ between the stopped origin and the target"), "{stdout}");
    let box_dir = delivered
        .trim_start_matches("/var/spool/cyrus/data/")
        .rsplit_once('/')
        .unwrap()
        .0
        .replacen('/', ":", 1);
    assert!(stdout.contains(&format!("{box_dir}: origin ")), "the mailbox is named: {box_dir}\n{stdout}");
    assert_eq!(
        fleet.sh(&late.origin, "cat /etc/bmfleet-sim/bluemind.state /etc/bmfleet-sim/postfix.state"),
        "running\nrunning"
    );
    assert_eq!(fleet.sh(&late.target, "cat /etc/bmfleet-sim/bluemind.state"), "stopped");
    let r = report(&broken.name);
    assert_eq!(r["failed_step"], "cold-sync/origin mailboxes", "{summary}");
    assert_eq!(r["rollback"]["ok"], true, "{r}");
    assert!(stdout.contains(&format!("unreadable Cyrus index {index}: ")), "{index}\n{stdout}");
    assert_eq!(fleet.sh(&broken.origin, "cat /etc/bmfleet-sim/bluemind.state"), "running");
    assert!(
        fleet.sh(&late.target, &format!("test -e {delivered} && echo copied || echo absent")) == "absent"
    );
}

//! What an origin sends is data (issue 27): never a device, a link the target follows, or a
//! line the target echoes. The origin is a customer's old server and may be compromised; the
//! target and the controller must not inherit that.

mod common;

use common::{Bmfleet, Fleet, all_text, scratch};

/// In a spool of the origin: a world-writable block device (the major and minor of a disk), a
/// FIFO and a setuid-root, setgid program, in a directory of its own.
const HOSTILE_SPOOL: &str = r#"set -e
d=/var/spool/bm-docs/hostile
mkdir -p "$d"
mknod -m 666 "$d/disk" b 8 0
mkfifo -m 666 "$d/fifo"
cp /bin/true "$d/rootshell"
chown root:root "$d/rootshell"
chmod 6755 "$d/rootshell"
echo plain >"$d/plain"
"#;

#[test]
fn devices_fifos_and_set_id_files_of_an_origin_spool_arrive_as_plain_data() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    fleet.populate(&p.origin);
    fleet.sh(&p.origin, HOSTILE_SPOOL);
    // A FIFO the target already holds where the origin has one (as an earlier copy made before
    // this check would have left it): rsync skips that path, so --delete alone would keep it.
    fleet.sh(&p.target, "mkdir -p /var/spool/bm-docs/hostile && mkfifo /var/spool/bm-docs/hostile/fifo");
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
    for phase in ["preflight", "trust"] {
        Bmfleet::new().arg(phase).inventory(&inv).run().code(0);
    }
    let out = Bmfleet::new().arg("hot-sync").inventory(&inv).run();
    out.code(0);
    let log = out.pair_log(&p.name);

    let on_target = fleet.sh(
        &p.target,
        "cd /var/spool/bm-docs/hostile && for f in disk fifo rootshell plain; do \
         if [ -e $f ] || [ -L $f ]; then stat -c '%n %F %a %U' $f; else echo \"$f absent\"; fi; done",
    );
    assert_eq!(
        on_target, "disk absent\nfifo absent\nrootshell regular file 755 root\nplain regular file 644 root",
        "the device and the FIFO are not copied, the program loses its set-id bits\n{log}"
    );
    assert!(log.contains("skipping non-regular file \"hostile/disk\""), "{log}");
    assert!(log.contains("skipping non-regular file \"hostile/fifo\""), "{log}");
    assert!(
        log.contains("not copied: 2 device, FIFO or socket node(s) in the origin's /var/spool/bm-docs/"),
        "{log}"
    );
    assert!(
        log.contains("removed 1 device, FIFO or socket node(s) an earlier copy left in the target's /var/spool/bm-docs/"),
        "{log}"
    );
    // Nothing else lost: without the device, the FIFO and the set-id bits, the copy is exact.
    fleet.sh(&p.origin, "cd /var/spool/bm-docs/hostile && rm -f disk fifo && chmod 755 rootshell");
    let (same, report) = fleet.verify_spools(&p.origin, &p.target);
    assert!(same, "{report}");
}

#[test]
fn preflight_refuses_an_rsync_without_the_fixes_of_cve_2024_12087() {
    let fleet = Fleet::get();
    let claim = fleet.claim(1);
    let p = claim.pair(0);
    let dir = scratch();
    let inv = claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none }", |_| String::new());
    // The fleet's own rsync (Debian 12's, with the fixes) passes on both hosts.
    let out = Bmfleet::new().arg("preflight").inventory(&inv).run();
    out.code(0);
    let log = out.pair_log(&p.name);
    assert!(log.contains("distribution's security fixes (protocol 32)"), "{log}");
    // An rsync 3.2.3 without them on the target (Debian 11's before its update), bound over
    // /usr/bin/rsync in the host only (fleet reset unmounts it).
    fleet.sh(
        &p.target,
        "printf '#!/bin/sh\\necho \"rsync  version 3.2.3  protocol version 31\"\\n' >/root/old-rsync && \
         chmod 755 /root/old-rsync && mount --bind /root/old-rsync /usr/bin/rsync",
    );
    let out = Bmfleet::new().arg("preflight").inventory(&inv).run();
    fleet.sh(&p.target, "umount /usr/bin/rsync");
    assert_ne!(out.code, 0, "{}", out.all_output());
    let all = out.all_output();
    assert!(
        all.contains("rsync 3.2.3 (protocol 31) on this host lacks the security fixes of rsync 3.4.0"),
        "{all}"
    );
}

/// The migration key's forced command on the origin, wrapped: before it serves the target's
/// pull of the stopped origin's mailbox list or dumps (once each, when armed), the origin turns
/// hostile (a compromised origin may do anything to its own files).
const WRAPPER: &str = r#"#!/bin/bash
case "${SSH_ORIGINAL_COMMAND-}" in
  *" /var/lib/bmfleet/work/mailcheck/origin-mailboxes.txt")
    if [ -e /root/tamper.mailboxes ]; then
      rm -f /root/tamper.mailboxes
      ln -sfn /etc/ssh/ssh_host_ed25519_key /var/lib/bmfleet/work/mailcheck/origin-mailboxes.txt
    fi ;;
  *" /var/lib/bmfleet/work/dump/")
    if [ -e /root/tamper.dump ]; then
      rm -f /root/tamper.dump
      python3 /root/tamper-dump.py "$(cat /root/tamper.sha256)" >/root/tamper-dump.log 2>&1
    fi ;;
esac
exec rrsync -ro /
"#;

/// The dump of bj made hostile: the table of contents sends the data of table bmf_probe to a
/// file of the target (by `../`, pg_restore reads DIR/NAME), and the manifest names that file
/// with its sha256 (argv[1]) beside the dump's own files, one more file keeping the counts equal.
const TAMPER_DUMP: &str = r#"
import hashlib, os, re, struct, subprocess, sys
d = "/var/lib/bmfleet/work/dump"
far = ("../" * 12 + "root/target-secret").encode()
listing = subprocess.run(["pg_restore", "-l", d + "/bj.dir"], capture_output=True, text=True, check=True).stdout
dump_id = re.search(r"^(\d+); \d+ \d+ TABLE DATA public bmf_probe ", listing, re.M).group(1)
name = (dump_id + ".dat").encode()
toc_path = d + "/bj.dir/toc.dat"
toc = open(toc_path, "rb").read()
old = b"\0" + struct.pack("<I", len(name)) + name
assert toc.count(old) == 1, toc.count(old)
open(toc_path, "wb").write(toc.replace(old, b"\0" + struct.pack("<I", len(far)) + far))
open(d + "/bj.dir/9999999.dat", "wb").close()
lines = [hashlib.sha256(open(d + "/bj.dir/" + f, "rb").read()).hexdigest() + "  " + f
         for f in sorted(os.listdir(d + "/bj.dir")) if f != "9999999.dat"]
lines.append(sys.argv[1] + "  " + far.decode())
open(d + "/bj.sha256", "w").write("\n".join(lines) + "\n")
print("tampered", dump_id)
"#;

#[test]
fn files_pulled_back_from_the_origin_are_never_links_nor_paths_out_of_their_place() {
    let fleet = Fleet::get();
    let claim = fleet.claim(2);
    let (linked, dumped) = (claim.pair(0), claim.pair(1));
    for p in &claim.pairs {
        fleet.populate(&p.origin);
    }
    // A table of the origin's bj, and a root-only file on the target, which the hostile dump
    // would load into that table.
    fleet.sh(
        &dumped.origin,
        "cd / && runuser -u postgres -- psql -X -q -d bj -c \"CREATE TABLE public.bmf_probe (line text); INSERT INTO public.bmf_probe VALUES ('origin'); ALTER TABLE public.bmf_probe OWNER TO bj\"",
    );
    let secret = format!("TARGET-SECRET-{}", std::process::id());
    let sha = fleet.sh(
        &dumped.target,
        &format!(
            "umask 077 && echo {secret} >/root/target-secret && sha256sum /root/target-secret | cut -c1-64"
        ),
    );
    let dir = scratch();
    let state = dir.path().join("state");
    // The dump method: its manifests and dumps are what the tampered origin sends (physical, the
    // default where it is safe, pulls no dump).
    let inv =
        claim.inventory(&fleet, dir.path(), "vars: { cutover_mode: none, db_sync: dump }", |_| String::new());
    for phase in ["preflight", "trust", "hot-sync"] {
        Bmfleet::new().arg(phase).inventory(&inv).arg("--state-dir").arg(&state).run().code(0);
    }
    for (p, armed) in [(linked, "tamper.mailboxes"), (dumped, "tamper.dump")] {
        let wrapped = fleet.sh(
            &p.origin,
            &format!(
                "cat >/root/tamper.sh <<'EOF'\n{WRAPPER}EOF\ncat >/root/tamper-dump.py <<'EOF'\n{TAMPER_DUMP}EOF\n\
                 echo {sha} >/root/tamper.sha256 && chmod 700 /root/tamper.sh && touch /root/{armed} && \
                 sed -i 's|command=\"rrsync -ro /\"|command=\"/root/tamper.sh\"|' /root/.ssh/authorized_keys && \
                 grep -c 'command=\"/root/tamper.sh\"' /root/.ssh/authorized_keys"
            ),
        );
        assert_eq!(wrapped, "1", "{}'s migration key runs the wrapper", p.origin);
        // sshd binds the forced command when a connection authenticates: the shared one goes.
        fleet.sh(
            &p.target,
            "ssh -o ControlPath=/run/bmfleet-origin.sock -O exit bmfleet-origin 2>/dev/null; true",
        );
    }
    let out = Bmfleet::new().arg("cold-sync").inventory(&inv).arg("--state-dir").arg(&state).run();
    assert_ne!(out.code, 0, "{}", out.all_output());
    let summary = out.summary();
    let report =
        |pair: &str| summary["pairs"].as_array().unwrap().iter().find(|r| r["pair"] == pair).unwrap().clone();
    let everything = format!("{}{}{}", out.all_output(), all_text(&out.run_dir()), all_text(&state));

    // (a) The mailbox list, a link to the target's private host key: refused, and not one line
    // of the key anywhere (console, run directory, journal).
    assert_eq!(
        fleet.sh(&linked.origin, "test -e /root/tamper.mailboxes && echo armed || echo fired"),
        "fired"
    );
    assert_eq!(report(&linked.name)["failed_step"], "cold-sync/same mailboxes as the origin", "{summary}");
    assert!(everything.contains("the origin's mailbox list is not a regular file"), "{everything}");
    let key = fleet.sh(&linked.target, "cat /etc/ssh/ssh_host_ed25519_key");
    for line in key.lines().map(str::trim).filter(|l| !l.is_empty()) {
        assert!(!everything.contains(line), "a line of the target's host key leaked: {line}");
    }

    // (b) The dump naming a file of the target: refused on the target before any restore, the
    // file's content nowhere, and the target's bj untouched (no bmf_probe table).
    let tampered = fleet.exec(&dumped.origin, "cat /root/tamper-dump.log").stdout;
    let tampered = String::from_utf8_lossy(&tampered);
    assert!(tampered.starts_with("tampered "), "{tampered}\n{}", out.all_output());
    assert_eq!(report(&dumped.name)["failed_step"], "cold-sync/pull dumps", "{summary}");
    assert!(
        everything.contains("of the origin's manifest of bj is not a sha256 and the name of a file"),
        "{everything}"
    );
    assert!(!everything.contains(&secret), "the target's file reached the output");
    let probe = fleet.sh(
        &dumped.target,
        "cd / && runuser -u postgres -- psql -X -At -d bj -c \"SELECT coalesce(to_regclass('public.bmf_probe')::text, 'none')\"",
    );
    assert_eq!(probe, "none", "nothing of the hostile dump was loaded into the target's bj");
    let loaded = fleet.sh(
        &dumped.target,
        "cd / && runuser -u postgres -- psql -X -At -d postgres -c \"SELECT datname FROM pg_database WHERE datname LIKE 'bj%' ORDER BY 1\"",
    );
    assert_eq!(loaded, "bj\nbj-data", "no new database was even created");
}

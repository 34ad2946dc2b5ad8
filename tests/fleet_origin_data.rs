//! What an origin sends is data (issue 27): never a device, a link the target follows, or a
//! line the target echoes. The origin is a customer's old server and may be compromised; the
//! target and the controller must not inherit that.

mod common;

use std::path::Path;

use common::{Bmfleet, Fleet, scratch};

/// Every file under `dir`, as text (lossy), for grepping.
fn all_text(dir: &Path) -> String {
    let mut text = String::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                text.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    text
}

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
    let log = std::fs::read_to_string(out.run_dir().join(format!("{}.log", p.name))).unwrap();

    let on_target = fleet.sh(
        &p.target,
        "cd /var/spool/bm-docs/hostile && for f in disk fifo rootshell plain; do \
         if [ -e $f ] || [ -L $f ]; then stat -c '%n %F %a %U' $f; else echo \"$f absent\"; fi; done",
    );
    assert_eq!(
        on_target,
        "disk absent\nfifo absent\nrootshell regular file 755 root\nplain regular file 644 root",
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
    let log = std::fs::read_to_string(out.run_dir().join(format!("{}.log", p.name))).unwrap();
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

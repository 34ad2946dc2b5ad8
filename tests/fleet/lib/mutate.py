#!/usr/bin/python3
"""Simulate a live BlueMind server between two syncs. Runs INSIDE the host (tests/fleet/mutate).

  mutate.py [--seed SEED] [--db]

Adds, modifies and deletes a few files in the spools: new messages (one hard-linked into a second
mailbox), an appended file, a byte changed in place (same size), a mode change, a deleted message, a
deleted folder, a renamed file, a new symlink, a new ES segment. --db also inserts, updates and
deletes rows in both databases. Prints what changed.
"""
PROG = "mutate"
import argparse
import grp
import os
import pwd
import random
import subprocess
import sys
import time

# the host's own ids (system accounts get dynamic ids: an origin and its target differ)
UID_CYRUS, GID_MAIL = pwd.getpwnam("cyrus").pw_uid, grp.getgrnam("mail").gr_gid
SPOOLS = ["/var/spool/cyrus", "/var/lib/cyrus", "/var/spool/bm-hsm", "/var/spool/sieve",
          "/var/spool/bm-elasticsearch", "/var/spool/bm-docs", "/var/spool/bm-filehosting"]


def files_under(root, pred=None):
    out = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(d, f)
            if os.path.isfile(p) and not os.path.islink(p) and (pred is None or pred(p)):
                out.append(p)
    return out


def psql(db, sql):
    subprocess.run(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "psql", "-X", "-q",
                    "-v", "ON_ERROR_STOP=1", "-h", "/run/postgresql", "-d", db, "-c", sql],
                   cwd="/", check=True, capture_output=True)


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", default=None, help="default: time-based (every call differs)")
    ap.add_argument("--db", action="store_true", help="also change rows in bj and bj-data")
    a = ap.parse_args()
    r = random.Random(a.seed if a.seed is not None else time.time_ns())
    changes = []

    msgs = files_under("/var/spool/cyrus/data", lambda p: p.endswith(".") and os.path.basename(p)[:-1].isdigit())
    if len(msgs) < 10:
        sys.exit("mutate: not enough data (populate the host first)")
    # new messages in existing mailboxes; one of them hard-linked into a second mailbox
    folders = sorted({os.path.dirname(p) for p in msgs})
    new = []
    for _ in range(3):
        d = r.choice(folders)
        existing = [int(x[:-1]) for x in os.listdir(d) if x.endswith(".") and x[:-1].isdigit()]
        uid = max(existing, default=0) + 1
        p = os.path.join(d, f"{uid}.")
        with open(p, "wb") as f:
            f.write(b"From: live@bmfleet.example\r\nSubject: arrived between syncs\r\n\r\n" + r.randbytes(r.randint(500, 5000)).hex().encode())
        os.chmod(p, 0o600)
        os.chown(p, UID_CYRUS, GID_MAIL)
        new.append(p)
        changes.append(f"added {p}")
    d2 = r.choice([f for f in folders if f != os.path.dirname(new[0])] or folders)
    dst = os.path.join(d2, f"{r.randint(2_000_000, 3_000_000)}.")
    os.link(new[0], dst)
    changes.append(f"hard-linked {new[0]} -> {dst}")

    rest = [p for p in msgs if os.stat(p).st_nlink == 1]
    r.shuffle(rest)
    # append to one file
    p = rest.pop()
    with open(p, "ab") as f:
        f.write(b"\r\nX-Appended: yes\r\n")
    changes.append(f"appended to {p}")
    # change one byte in place, same size
    p = rest.pop()
    with open(p, "r+b") as f:
        data = f.read()
        i = len(data) // 2
        f.seek(i)
        f.write(bytes([data[i] ^ 0x01]))
    changes.append(f"changed one byte of {p}")
    # mode change
    p = rest.pop()
    os.chmod(p, 0o640)
    changes.append(f"chmod 640 {p}")
    # delete two messages
    for _ in range(2):
        p = rest.pop()
        os.unlink(p)
        changes.append(f"deleted {p}")
    # delete a whole folder (not an INBOX)
    subdirs = sorted({d for d in folders if os.path.basename(d) in ("Trash", "Sent") and d not in (os.path.dirname(x) for x in new) and d != d2})
    if subdirs:
        d = r.choice(subdirs)
        for x in os.listdir(d):
            os.unlink(os.path.join(d, x))
        os.rmdir(d)
        changes.append(f"deleted folder {d}")
    # rename in bm-docs, new symlink and new file in bm-filehosting, new ES segment
    docs = files_under("/var/spool/bm-docs")
    if docs:
        p = r.choice(docs)
        q = os.path.join(os.path.dirname(p), "renamed " + os.path.basename(p))
        os.rename(p, q)
        changes.append(f"renamed {p} -> {q}")
    fh = [d for d, _, _ in os.walk("/var/spool/bm-filehosting") if d.endswith("/partage")]
    if fh:
        s = os.path.join(fh[0], f"nouveau lien {r.randint(0, 999)}")
        if not os.path.lexists(s):
            os.symlink("lisez-moi.txt", s)
            changes.append(f"new symlink {s}")
        p = os.path.join(fh[0], f"déposé-{r.randint(0, 99999)}.bin")
        with open(p, "wb") as f:
            f.write(r.randbytes(r.randint(10_000, 300_000)))
        changes.append(f"added {p}")
    idx = [d for d, _, _ in os.walk("/var/spool/bm-elasticsearch") if d.endswith("/index")]
    if idx:
        p = os.path.join(idx[0], f"_{r.randint(1, 99)}.cfs")
        with open(p, "wb") as f:
            f.write(r.randbytes(200_000))
        os.chown(p, pwd.getpwnam("elasticsearch").pw_uid, grp.getgrnam("elasticsearch").gr_gid)
        changes.append(f"added {p}")

    if a.db:
        # t_calendar_vevent and t_addressbook_vcard have no primary key (as BlueMind's): rows of
        # both are updated and deleted
        psql("bj-data", "BEGIN;"
             "INSERT INTO t_container_changeset (container_uid, version, item_uid, action) "
             "SELECT container_uid, version + 100000, item_uid || '-live', 'U' FROM t_container_changeset ORDER BY id LIMIT 5;"
             "UPDATE t_calendar_vevent SET summary = summary || ' (modifié)' WHERE id IN (SELECT id FROM t_calendar_vevent ORDER BY id LIMIT 3);"
             "DELETE FROM t_calendar_vevent WHERE id = (SELECT max(id) FROM t_calendar_vevent);"
             "UPDATE t_addressbook_vcard SET note = coalesce(note, '') || ' ✎' WHERE id IN (SELECT id FROM t_addressbook_vcard ORDER BY id LIMIT 2);"
             "DELETE FROM t_addressbook_vcard WHERE id IN (SELECT id FROM t_addressbook_vcard ORDER BY id DESC LIMIT 2);"
             "COMMIT;")
        # bj: a directory entry renamed; in t_container_acl (no primary key) a container's rights
        # rewritten, another's shares removed, a new share; a block of item ids booked as
        # BlueMind's OfflineMgmtStore does, one item created with the block's first id, the rest
        # of the block left unused (the sequence stays ahead of the rows)
        k = r.randint(0, 1 << 30)
        psql("bj", "BEGIN;"
             "UPDATE t_directory_entry SET display_name = display_name || ' ✓' WHERE id = (SELECT max(id) FROM t_directory_entry WHERE kind = 'USER');"
             f"UPDATE t_container_acl SET position = position + 1 WHERE container_id = (SELECT container_id FROM t_container_acl GROUP BY container_id ORDER BY container_id OFFSET {k} % (SELECT count(DISTINCT container_id) FROM t_container_acl) LIMIT 1);"
             "DELETE FROM t_container_acl WHERE position > 0 AND container_id = (SELECT max(container_id) FROM t_container_acl WHERE position > 0 AND verb <> 'All');"
             f"INSERT INTO t_container_acl (container_id, subject, verb, position) SELECT id, 'group-live-{k}', 'Read', 9 FROM t_container ORDER BY id OFFSET {k} % (SELECT count(*) FROM t_container) LIMIT 1;"
             "INSERT INTO t_container_item (id, container_id, uid, version, displayname, created, updated, flags) "
             f"SELECT multi_nextval('t_container_item_id_seq', 50), id, 'live-{k}', 1, 'créé entre deux synchros', now()::timestamp, now()::timestamp, 0 "
             "FROM t_container ORDER BY id LIMIT 1;"
             "COMMIT;")
        changes.append("db: 5 rows inserted, 5 updated, 3 deleted in bj-data (t_calendar_vevent and t_addressbook_vcard "
                       "have no key); in bj 1 entry renamed, t_container_acl (no key) rows updated, deleted and inserted, "
                       "a block of 50 item ids booked, 1 used")

    for c in changes:
        print("mutate: " + c.replace("\n", "\\n"))


if __name__ == "__main__":
    main()

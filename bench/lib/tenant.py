#!/usr/bin/python3
"""A mid-size BlueMind tenant on one simulated host, and a day of its life. Runs INSIDE the host
(bench/downtime and tests/fleet_tenant.rs pipe it to `fleet exec HOST /usr/bin/python3 -`), on top
of `tests/fleet/populate --size small` (which gives the odd names, symlinks and edge cases).

  tenant.py generate --files N [--db-mb M] [--seed S]
  tenant.py day [--seed S]

generate: N message files in Cyrus's layout (data/<partition>/domain/<d>/<domain>/<l>/user/<login>/
  <folder>/<uid>. and, per folder, cyrus.header, cyrus.index, cyrus.cache in the meta tree; about
  300 files per mailbox, so thousands of mailboxes at N = 1e6), sizes from 1 KB to 1 MB skewed
  toward small (88% 1-4 KB, 11.5% 4-64 KB, 0.5% 64 KB-1 MB, log-uniform within each; mean ~6 KB),
  10% of them hard links of a message of another mailbox (Cyrus's single-instance store:
  DOMAIN.md "Cyrus"; imapd.conf singleinstancestore); bm-hsm archives (N/50 files, 4-256 KB); ES
  segments (N/5000 shards of a few large files, ~8% of the mail bytes); bj-data filled in the server
  (generate_series, no data through Python) to about M MB (default N/1e6 * 2048) with its indexes,
  and bj's directory with one entry per mailbox. Writes its list of folders to
  /etc/bmfleet-sim/tenant-folders (for `day`).
day: a day of change since the last sync: 1% new messages (a tenth of them hard-linked to a second
  mailbox), 0.3% expunged, the index and cache files of every touched folder rewritten (larger),
  an ES segment merged (two removed, a larger one written); in bj-data 1% new rows, 0.5% of the
  mailbox records updated (flags), a few deleted.
Deterministic for a seed, except the database padding (random() in the server).
"""
PROG = "tenant"
import argparse
import grp
import os
import pwd
import random
import subprocess
import sys
import time

UID_CYRUS, GID_MAIL = pwd.getpwnam("cyrus").pw_uid, grp.getgrnam("mail").gr_gid
UID_ES, GID_ES = pwd.getpwnam("elasticsearch").pw_uid, grp.getgrnam("elasticsearch").gr_gid
FOLDERS_FILE = "/etc/bmfleet-sim/tenant-folders"
FOLDERS = ["", "Sent", "Trash", "Drafts", "Archives", "Archives/2023", "Archives/2024", "Projets",
           "Projets/Clients", "Newsletters", "Factures", "Réunions"]
PER_MAILBOX = 300


def psql(db, sql):
    p = subprocess.run(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "psql", "-X", "-q",
                        "-v", "ON_ERROR_STOP=1", "-h", "/run/postgresql", "-d", db],
                       input=sql.encode(), cwd="/", capture_output=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode(errors="replace"))
        sys.exit(f"{PROG}: SQL on {db} failed")


def scalar(db, query):
    p = subprocess.run(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "psql", "-X", "-At",
                        "-h", "/run/postgresql", "-d", db, "-c", query], cwd="/", capture_output=True, text=True,
                       check=True)
    return p.stdout.strip()


class Blob:
    """Distinct-enough bytes without generating them: slices of one random buffer behind a header."""

    def __init__(self, r):
        self.buf = r.randbytes(4 << 20)
        self.r = r

    def get(self, n):
        off = self.r.randrange(0, len(self.buf) - n) if n < len(self.buf) else 0
        return self.buf[off:off + n]


def msg_size(r):
    x = r.random()
    lo, hi = (1024, 4096) if x < 0.88 else (4096, 65536) if x < 0.995 else (65536, 1 << 20)
    return int(lo * (hi / lo) ** r.random())


def put(path, data, uid, gid, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fchown(fd, uid, gid)
    finally:
        os.close(fd)


def mkdir(path, uid, gid, mode=0o700):
    os.makedirs(path, mode=mode, exist_ok=True)
    os.chown(path, uid, gid)
    os.chmod(path, mode)


def message(r, blob, serial, size):
    head = (f"From: sender{r.randrange(10000)}@example.net\r\nTo: user@example.test\r\n"
            f"Subject: message {serial}\r\nMessage-ID: <{serial}.{r.getrandbits(48):x}@tenant>\r\n\r\n").encode()
    return head + blob.get(max(size - len(head), 0))


def write_meta(r, blob, mdir, count):
    put(f"{mdir}/cyrus.header", b"\xa1\x02\x8b\x0dCyrus mailbox header\n" + mdir.encode(), UID_CYRUS, GID_MAIL)
    put(f"{mdir}/cyrus.index", blob.get(96 + 104 * max(count, 1)), UID_CYRUS, GID_MAIL)
    put(f"{mdir}/cyrus.cache", blob.get(min(256 * max(count, 1), 2 << 20)), UID_CYRUS, GID_MAIL)


def domain_roots():
    domain = scalar("bj", "SELECT name FROM t_domain WHERE name <> 'global.virt' ORDER BY id LIMIT 1") or "example.test"
    part = "bm-master__" + domain.replace(".", "_")
    return (domain, f"/var/spool/cyrus/data/{part}/domain/{domain[0]}/{domain}",
            f"/var/spool/cyrus/meta/{part}/domain/{domain[0]}/{domain}")


def gen_mail(r, blob, n_files):
    domain, data_root, meta_root = domain_roots()
    n_mailboxes = max(2, n_files // PER_MAILBOX)
    folders = []  # [data_dir, meta_dir, next_uid]
    for m in range(n_mailboxes):
        login = f"t{m:05d}"
        for f in FOLDERS[: 3 + r.randrange(len(FOLDERS) - 2)]:
            sub = f"{login[0]}/user/{login}" + (f"/{f}" if f else "")
            folders.append([f"{data_root}/{sub}", f"{meta_root}/{sub}", 1])
    for d, md, _ in folders:
        mkdir(d, UID_CYRUS, GID_MAIL)
        mkdir(md, UID_CYRUS, GID_MAIL)
    # INBOX-heavy: a folder's weight is 3 for an INBOX, 1 otherwise
    weights = [3 if "/" not in d.split("/user/")[1] else 1 for d, _, _ in folders]
    picks = r.choices(range(len(folders)), weights=weights, k=n_files)
    written, nbytes, links = [], 0, 0
    for serial, i in enumerate(picks):
        fo = folders[i]
        # tests/fleet/mutate, run before the day, may have delivered into this folder already
        while os.path.lexists(f"{fo[0]}/{fo[2]}."):
            fo[2] += 1
        path = f"{fo[0]}/{fo[2]}."
        fo[2] += 1
        if written and r.random() < 0.10:
            os.link(r.choice(written), path)
            links += 1
            continue
        size = msg_size(r)
        put(path, message(r, blob, serial, size), UID_CYRUS, GID_MAIL)
        nbytes += size
        if len(written) < 200000:
            written.append(path)
        elif r.random() < 0.05:
            written[r.randrange(len(written))] = path
    for d, md, nxt in folders:
        write_meta(r, blob, md, nxt - 1)
    with open(FOLDERS_FILE, "w") as f:
        for d, md, nxt in folders:
            f.write(f"{d}\t{md}\t{nxt}\n")
    return {"mailboxes": n_mailboxes, "folders": len(folders), "messages": n_files, "hard_links": links,
            "mail_bytes": nbytes}, domain, n_mailboxes


def gen_hsm_es(r, blob, n_files, mail_bytes, domain):
    hsm = 0
    for i in range(max(1, n_files // 50)):
        d = f"/var/spool/bm-hsm/snappy/user/{domain}/t{i % 997:05d}"
        if not os.path.isdir(d):
            mkdir(d, UID_CYRUS, GID_MAIL, 0o755)
        size = int(4096 * 64 ** r.random())
        put(f"{d}/{r.getrandbits(80):020x}", blob.get(size), UID_CYRUS, GID_MAIL, 0o644)
        hsm += 1
    es_bytes, seg = 0, 0
    shards = max(1, n_files // 5000)
    per_shard = max(1, int(mail_bytes * 0.08) // shards)
    for s in range(shards):
        idx = f"/var/spool/bm-elasticsearch/data/nodes/0/indices/tenant{s // 5:04d}/{s % 5}/index"
        mkdir(idx, UID_ES, GID_ES, 0o755)
        left = per_shard
        k = 0
        while left > 0:
            size = min(left, int(256 * 1024 * 64 ** r.random()))
            for ext in (".cfs", ".si"):
                data = blob.get(size) if ext == ".cfs" else blob.get(400)
                put(f"{idx}/_{k}{ext}", data, UID_ES, GID_ES, 0o644)
                seg += 1
                es_bytes += len(data)
            left -= size
            k += 1
        put(f"{idx}/segments_{k}", blob.get(300), UID_ES, GID_ES, 0o644)
        seg += 1
    return {"hsm_files": hsm, "es_files": seg, "es_bytes": es_bytes}


DB_SQL = """
BEGIN;
INSERT INTO t_message_body (guid, subject, size, preview, headers, structure, created)
  SELECT substring(decode(md5('tb' || i) || md5('tc' || i), 'hex') from 1 for 20),
         'Sujet du message ' || i || ' ' || md5(i::text),
         1024 + (i::bigint * 7919) % 60000,
         repeat(md5(random()::text), 6),
         jsonb_build_object('from', 'sender' || (i % 10000) || '@example.net', 'subject', 'message ' || i,
                            'to', 't' || lpad((i % {mailboxes})::text, 5, '0') || '@{domain}',
                            'received', md5((i * 3)::text) || md5((i * 5)::text)),
         decode(md5(random()::text) || md5(random()::text) || md5(random()::text), 'hex'),
         now() - (i || ' seconds')::interval
  FROM generate_series({b0} + 1, {b0} + {bodies}) i;
INSERT INTO t_mailbox_record (mailbox_uid, imap_uid, message_body_guid, flags, internal_date, last_updated)
  SELECT 'tenant-' || (i % {mailboxes}) || '/INBOX', i,
         substring(decode(md5('tb' || i) || md5('tc' || i), 'hex') from 1 for 20),
         CASE WHEN i % 3 = 0 THEN '{{}}'::text[] ELSE ARRAY['\\Seen'] END,
         now() - (i || ' seconds')::interval, now()
  FROM generate_series({b0} + 1, {b0} + {bodies}) i;
INSERT INTO t_container_changeset (container_uid, version, item_uid, action)
  SELECT 'mailbox_records_tenant-' || (i % {mailboxes}), i, 'item-' || md5(i::text), 'C'
  FROM generate_series({c0} + 1, {c0} + {changes}) i;
INSERT INTO t_calendar_vevent (item_uid, summary, location, description, dtstart, dtend, rrule)
  SELECT 'ev-tenant-' || i, 'Réunion ' || i, 'Salle ' || (i % 40),
         repeat(md5(random()::text) || ' ', 20), now() + (i || ' minutes')::interval,
         now() + (i || ' minutes')::interval + interval '1 hour', NULL
  FROM generate_series({e0} + 1, {e0} + {events}) i;
COMMIT;
ANALYZE;
"""
BJ_SQL = """
BEGIN;
INSERT INTO t_directory_entry (domain_id, kind, entry_uid, display_name, email, archived, hidden, data)
  SELECT 2, 'USER', 'tenant-' || i, 'Tenant user ' || i, 't' || lpad(i::text, 5, '0') || '@{domain}', false,
         false, jsonb_build_object('quota', 1000 + i % 5000)
  FROM generate_series(0, {mailboxes} - 1) i;
INSERT INTO t_container (uid, type, name, owner, domain_uid, created)
  SELECT t || ':tenant-' || i, t, t || ' of tenant user ' || i, 'tenant-' || i, '{domain}', now()
  FROM generate_series(0, {mailboxes} - 1) i, unnest(ARRAY['mailboxacl', 'calendar', 'addressbook', 'todolist']) t;
COMMIT;
ANALYZE;
"""


def gen_db(n_files, db_mb, mailboxes, domain):
    # Rows in proportion to the files (per body: its record, 4 changesets, 0.3 events), in rounds
    # until bj-data reaches db_mb: the first round sized by the cost per body measured on
    # PostgreSQL 15 with this generator's tables and indexes (~2.2 KB for a body with its share
    # of the other rows: 1.385 GB for 630,000 bodies), each next one by the cost the previous
    # round measured (a fixed estimate undershot by a third). At most 4 rounds; within 3%.
    target = db_mb * 1024 * 1024
    size0 = int(scalar("bj-data", "SELECT pg_database_size(current_database())"))
    per_body = 2200.0
    done = {"b0": 0, "c0": 0, "e0": 0}
    rows = 0
    size = size0
    for _ in range(4):
        missing = target - size
        if missing < 0.03 * target:
            break
        bodies = max(100, int(missing / per_body))
        q = {"bodies": bodies, "changes": 4 * bodies, "events": max(1, int(0.3 * bodies)),
             "mailboxes": mailboxes, "domain": domain, **done}
        psql("bj-data", DB_SQL.format(**q))
        before, size = size, int(scalar("bj-data", "SELECT pg_database_size(current_database())"))
        per_body = max(200.0, (size - before) / bodies)
        done = {"b0": done["b0"] + bodies, "c0": done["c0"] + q["changes"], "e0": done["e0"] + q["events"]}
        rows += bodies * 2 + q["changes"] + q["events"]
    psql("bj", BJ_SQL.format(mailboxes=mailboxes, domain=domain))
    return {"db_rows": rows, "bj_data_bytes": size}


def db_only(a):
    """The databases alone, on a host whose files `generate` wrote (a generate whose SQL failed)."""
    db_mb = a.db_mb if a.db_mb is not None else max(8, a.files * 2048 // 1_000_000)
    domain = domain_roots()[0]
    t0 = time.monotonic()
    stats = gen_db(a.files, db_mb, max(2, a.files // PER_MAILBOX), domain)
    print(f"{PROG}: generated " + ", ".join(f"{k}={v}" for k, v in stats.items()) + f", db_s={time.monotonic() - t0:.1f}")


def generate(a):
    r = random.Random(a.seed)
    blob = Blob(r)
    os.umask(0o022)
    if os.path.exists(FOLDERS_FILE):
        sys.exit(f"{PROG}: this host already holds a tenant ({FOLDERS_FILE}); reset it first")
    db_mb = a.db_mb if a.db_mb is not None else max(8, a.files * 2048 // 1_000_000)
    t0 = time.monotonic()
    stats, domain, mailboxes = gen_mail(r, blob, a.files)
    stats.update(gen_hsm_es(r, blob, a.files, stats["mail_bytes"], domain))
    t1 = time.monotonic()
    stats.update(gen_db(a.files, db_mb, mailboxes, domain))
    stats["files_s"], stats["db_s"] = round(t1 - t0, 1), round(time.monotonic() - t1, 1)
    print(f"{PROG}: generated " + ", ".join(f"{k}={v}" for k, v in stats.items()))


def day(a):
    r = random.Random(a.seed if a.seed is not None else time.time_ns())
    blob = Blob(r)
    with open(FOLDERS_FILE) as f:
        folders = [line.rstrip("\n").split("\t") for line in f]
    # a folder deleted since (tests/fleet/mutate deletes one) leaves the list
    folders = [[d, md, int(n)] for d, md, n in folders if os.path.isdir(d) and os.path.isdir(md)]
    total = sum(fo[2] - 1 for fo in folders)
    n_new, n_del = max(1, total // 100), max(1, total * 3 // 1000)
    touched = set()
    new_paths = []
    for k in range(n_new):
        i = r.randrange(len(folders))
        fo = folders[i]
        # tests/fleet/mutate, run before the day, may have delivered into this folder already
        while os.path.lexists(f"{fo[0]}/{fo[2]}."):
            fo[2] += 1
        path = f"{fo[0]}/{fo[2]}."
        fo[2] += 1
        touched.add(i)
        if new_paths and r.random() < 0.1:
            os.link(r.choice(new_paths), path)
        else:
            put(path, message(r, blob, f"day-{k}", msg_size(r)), UID_CYRUS, GID_MAIL)
            new_paths.append(path)
    deleted = 0
    for _ in range(n_del):
        i = r.randrange(len(folders))
        fo = folders[i]
        p = f"{fo[0]}/{r.randrange(1, fo[2])}."
        if os.path.exists(p):
            os.unlink(p)
            deleted += 1
            touched.add(i)
    for i in touched:
        write_meta(r, blob, folders[i][1], folders[i][2])
    with open(FOLDERS_FILE, "w") as f:
        for d, md, nxt in folders:
            f.write(f"{d}\t{md}\t{nxt}\n")
    # an ES merge: two segments go, a larger one comes
    idx = "/var/spool/bm-elasticsearch/data/nodes/0/indices/tenant0000/0/index"
    segs = sorted(x for x in os.listdir(idx) if x.endswith(".cfs")) if os.path.isdir(idx) else []
    merged = 0
    for x in segs[:2]:
        merged += os.path.getsize(f"{idx}/{x}")
        os.unlink(f"{idx}/{x}")
    if segs:
        put(f"{idx}/_m{r.getrandbits(32):08x}.cfs", blob.get(min(merged, 4 << 20)), UID_ES, GID_ES, 0o644)
    nrec = int(scalar("bj-data", "SELECT count(*) FROM t_mailbox_record"))
    ins, upd = max(1, nrec // 100), max(1, nrec // 200)
    tag = f"{r.getrandbits(40):010x}"
    psql("bj-data", f"""
BEGIN;
INSERT INTO t_message_body (guid, subject, size, preview, headers, structure, created)
  SELECT substring(decode(md5('{tag}' || i) || md5('d{tag}' || i), 'hex') from 1 for 20), 'new ' || i, 2048,
         repeat(md5(random()::text), 6), '{{}}', NULL, now() FROM generate_series(1, {ins}) i;
INSERT INTO t_mailbox_record (mailbox_uid, imap_uid, message_body_guid, flags, internal_date, last_updated)
  SELECT 'day-{tag}/INBOX', i, substring(decode(md5('{tag}' || i) || md5('d{tag}' || i), 'hex') from 1 for 20),
         '{{}}', now(), now() FROM generate_series(1, {ins}) i;
UPDATE t_mailbox_record SET flags = ARRAY['\\Seen', '\\Answered'], last_updated = now()
  WHERE id IN (SELECT id FROM t_mailbox_record ORDER BY random() LIMIT {upd});
DELETE FROM t_calendar_vevent WHERE id IN (SELECT id FROM t_calendar_vevent ORDER BY id LIMIT 10);
INSERT INTO t_container_changeset (container_uid, version, item_uid, action)
  SELECT 'day-{tag}', i, 'item-' || i, 'U' FROM generate_series(1, {ins}) i;
COMMIT;""")
    print(f"{PROG}: a day: {n_new} new messages, {deleted} expunged, {len(touched)} folders' index files "
          f"rewritten, ES: 2 segments merged; bj-data: {ins * 3} rows inserted, {upd} updated, 10 deleted")


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("--files", type=int, required=True)
    g.add_argument("--db-mb", type=int, default=None)
    g.add_argument("--seed", default="tenant")
    o = sub.add_parser("db")
    o.add_argument("--files", type=int, required=True)
    o.add_argument("--db-mb", type=int, default=None)
    d = sub.add_parser("day")
    d.add_argument("--seed", default=None)
    a = ap.parse_args()
    {"generate": generate, "db": db_only, "day": day}[a.cmd](a)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Give a simulated BlueMind host (normally an origin) BlueMind-like data. Runs INSIDE the host
(tests/fleet/populate wraps it with `fleet exec`).

  populate.py [--size small|medium] [--seed SEED]

Files in the seven synced spools (cyrus mail store with hard-linked single-instance copies, names with
spaces, accents and one with a newline, empty directories, symlinks including a dangling one, binary
files of a few MB, sieve scripts, ES index files, documents, file hosting), and rows in both databases
(thousands, text with quotes and unicode, bytea columns). Deterministic for a given seed (default: the
host name and size). Refuses to run twice on a host (reset it first: `fleet reset HOST`).
"""
PROG = "populate"
import argparse
import hashlib
import io
import json
import grp
import os
import pwd
import random
import socket
import struct
import subprocess
import zlib
import sys

# the host's own ids (system accounts get dynamic ids: an origin and its target differ)
UID_CYRUS, GID_MAIL = pwd.getpwnam("cyrus").pw_uid, grp.getgrnam("mail").gr_gid
UID_ES, GID_ES = pwd.getpwnam("elasticsearch").pw_uid, grp.getgrnam("elasticsearch").gr_gid
SIM = "/etc/bmfleet-sim"
MARKER = os.path.join(SIM, "populated")

FIRST = ["Jean", "Zoë", "Ævar", "Renée", "Łukasz", "Siobhán", "Ana", "Grégoire", "Mia", "Oğuz",
         "Björn", "Chloé", "Noël", "Iñaki", "Yūki", "Paul", "Ines", "Aleš", "Marie-Hélène", "Tomás",
         "Dmitri", "Fatoumata", "Lars", "Émile", "Nadia", "Søren", "Léa", "Hiroshi", "Kateřina", "Omar"]
LAST = ["Dupont", "O'Brien", "Þórsson", "Lefèvre", "Wiśniewski", "Ní Bhriain", "García", "d'Arc",
        "Müller", "Öztürk", "Ångström", "Nguyễn", "Kowalski", "Durand", "Smith \"Smitty\"", "Rossi",
        "Brontë", "Dvořák", "Martin", "Łęcki"]
WORDS = ("réunion budget projet équipe planning migration serveur courrier délai livraison contrat "
         "facture relance rapport annuel résumé décision comité agenda urgent prévisionnel cœur "
         "naïve façade über straße smörgåsbord ελληνικά русский 日本語 emoji ✓ ☃ 📎 «guillemets» "
         "'quote' \"double\" back\\slash tab\there semi;colon 100% $HOME `tick` <b>html</b> & co").split(" ")


def cyrus_index(g, messages):
    """A cyrus.index as BlueMind 4.x's Cyrus 3.0 writes it (minor version 13): a 128-byte
    big-endian header (version at 8, start offset 12, record size 16, records 20, last UID 28,
    UIDVALIDITY 44, exists 84, CRC32 of the rest at 124) and one 104-byte record per message
    (its UID first): CyrusIndexHeader.java and CyrusIndexWriter.java in BlueMind's source
    (GitHub mirror mdhender/bluemindfork, parent/mailbackend/net.bluemind.backend.cyrus.index).
    The role's mailbox check reads these fields (templates/lib/mailboxes.sh)."""
    words = [0] * 31
    words[2], words[3], words[4], words[5] = 13, 128, 104, messages
    words[7] = messages                              # last UID: messages are 1..n
    words[11] = 1_500_000_000 + g.r.getrandbits(28)  # UIDVALIDITY, a creation time
    words[21] = messages                             # exists
    head = struct.pack(">31I", *words)
    head += struct.pack(">I", zlib.crc32(head))
    records = b"".join(struct.pack(">I", uid) + g.blob(100) for uid in range(1, messages + 1))
    return head + records

def chown(path, uid, gid):
    os.lchown(path, uid, gid)


def mkdirs(path, mode=0o755, uid=0, gid=0):
    """Create directories like mkdir -p, giving new ones mode and owner."""
    parts = []
    p = path
    while not os.path.isdir(p):
        parts.append(p)
        p = os.path.dirname(p)
    for d in reversed(parts):
        os.mkdir(d)
        os.chmod(d, mode)
        chown(d, uid, gid)


def write(path, data, mode=0o644, uid=0, gid=0, dmode=None):
    mkdirs(os.path.dirname(path), dmode if dmode is not None else (0o755 if uid == 0 else 0o750), uid, gid)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(path, mode)
    chown(path, uid, gid)


def link(src, dst):
    mkdirs(os.path.dirname(dst), 0o700, UID_CYRUS, GID_MAIL)
    os.link(src, dst)


class Gen:
    def __init__(self, seed, size):
        self.r = random.Random(seed)
        self.size = size
        self.medium = size == "medium"

    def words(self, n):
        return " ".join(self.r.choice(WORDS) for _ in range(n))

    def name(self):
        return self.r.choice(FIRST), self.r.choice(LAST)

    def blob(self, n):
        return self.r.randbytes(n)


def copy_escape(v):
    """A value in PostgreSQL COPY text format."""
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, bytes):
        return "\\\\x" + v.hex()
    if isinstance(v, (list, tuple)):
        inner = ",".join('"' + str(x).replace("\\", "\\\\").replace('"', '\\"') + '"' for x in v)
        v = "{" + inner + "}"
    s = str(v)
    return (s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r"))


class Copy:
    def __init__(self):
        self.buf = io.StringIO()

    def table(self, name, cols, rows):
        self.buf.write(f"COPY {name} ({', '.join(cols)}) FROM STDIN;\n")
        for row in rows:
            self.buf.write("\t".join(copy_escape(v) for v in row) + "\n")
        self.buf.write("\\.\n")

    def sql(self, text):
        self.buf.write(text + "\n")


def psql(db, script):
    p = subprocess.run(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups",
                        "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "/run/postgresql", "-d", db],
                       input=script.encode(), cwd="/", capture_output=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode(errors="replace"))
        raise SystemExit(f"populate: loading database {db} failed")


def scalar(db, query):
    p = subprocess.run(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups",
                        "psql", "-X", "-At", "-h", "/run/postgresql", "-d", db, "-c", query],
                       cwd="/", capture_output=True, text=True, check=True)
    return p.stdout.strip()


def message(g, frm, to, subject, date):
    body = "\n".join(g.words(g.r.randint(6, 14)) for _ in range(g.r.randint(3, 40)))
    parts = [f"From: {frm}", f"To: {to}", f"Subject: {subject}", f"Date: {date}",
             f"Message-ID: <{g.r.getrandbits(64):x}@bmfleet.example>", "MIME-Version: 1.0"]
    if g.r.random() < 0.2:
        att = g.blob(g.r.randint(2000, 60000 if g.medium else 20000))
        import base64
        b = base64.encodebytes(att).decode()
        parts += ['Content-Type: multipart/mixed; boundary="b1"', "", "--b1",
                  "Content-Type: text/plain; charset=utf-8", "", body, "--b1",
                  "Content-Type: application/octet-stream", "Content-Transfer-Encoding: base64", "", b,
                  "--b1--", ""]
    else:
        parts += ["Content-Type: text/plain; charset=utf-8", "", body, ""]
    return "\r\n".join(parts).encode()


def populate(size, seed):
    g = Gen(seed, size)
    host = socket.gethostname()
    conf = {}
    with open("/etc/bm/bm.ini") as f:
        for line in f:
            if "=" in line:
                k, v = line.split("=", 1)
                conf[k.strip()] = v.strip()
    domain = scalar("bj", "SELECT name FROM t_domain WHERE name <> 'global.virt' ORDER BY id LIMIT 1") or "example.test"
    part = "bm-master__" + domain.replace(".", "_")
    n_users = 40 if g.medium else 15
    msgs_per_user = (50, 80) if g.medium else (12, 25)

    users = []
    seen = set()
    while len(users) < n_users:
        f, l = g.name()
        login = (f[0] + l).lower()
        login = "".join(c for c in login if c.isascii() and c.isalnum()) or "user"
        base, k = login, 1
        while login in seen:
            k += 1
            login = f"{base}{k}"
        seen.add(login)
        users.append({"login": login, "display": f"{f} {l}", "uid": f"{g.r.getrandbits(64):016X}"})

    # ---- cyrus mail store: data + meta, single-instance hard links --------------------------------
    data_root = f"/var/spool/cyrus/data/{part}/domain/{domain[0]}/{domain}"
    meta_root = f"/var/spool/cyrus/meta/{part}/domain/{domain[0]}/{domain}"
    for d in ("/var/spool/cyrus/data", "/var/spool/cyrus/meta"):
        mkdirs(d, 0o750, UID_CYRUS, GID_MAIL)
    folders = ["", "Sent", "Trash", "Archives 2023", "Envoyés", "Brouillons/Réunions à venir", "Projets/Été 2024"]
    bodies = []       # (guid, subject, size, preview, headers, structure, created)
    records = []      # (mailbox_uid, imap_uid, guid, flags, internal_date, last_updated)
    shared = []       # paths of messages to hard-link into other mailboxes
    total_files = 0
    for u in users:
        udir = f"{data_root}/{u['login'][0]}/user/{u['login']}"
        mdir = f"{meta_root}/{u['login'][0]}/user/{u['login']}"
        for folder in folders[: 3 + g.r.randint(0, len(folders) - 3)]:
            fdir = udir + ("/" + folder if folder else "")
            mkdirs(fdir, 0o700, UID_CYRUS, GID_MAIL)
            mfdir = mdir + ("/" + folder if folder else "")
            n = g.r.randint(*msgs_per_user) if folder == "" else g.r.randint(0, msgs_per_user[0])
            uid = 0
            for _ in range(n):
                uid += 1
                ff, ll = g.name()
                subject = g.words(g.r.randint(2, 7))
                date = f"Mon, {g.r.randint(1, 28):02d} Mar 2024 {g.r.randint(0, 23):02d}:{g.r.randint(0, 59):02d}:00 +0100"
                raw = message(g, f'"{ff} {ll}" <{ff.lower()}@{domain}>', f"{u['login']}@{domain}", subject, date)
                path = f"{fdir}/{uid}."
                write(path, raw, 0o600, UID_CYRUS, GID_MAIL, dmode=0o700)
                total_files += 1
                guid = hashlib.sha1(raw).digest()
                bodies.append((guid, subject, len(raw), g.words(8) + "\n" + g.words(5),
                               json.dumps({"from": f"{ff} {ll}", "subject": subject}, ensure_ascii=False),
                               g.blob(g.r.randint(8, 160)), f"2024-03-{g.r.randint(1, 28):02d} 10:00:00+00"))
                mbox = f"{u['uid']}/{folder or 'INBOX'}"
                records.append((mbox, uid, guid, ["\\Seen"] if g.r.random() < 0.7 else [],
                                f"2024-03-{g.r.randint(1, 28):02d} 09:00:00+00", "2024-03-29 12:00:00+00"))
                if g.r.random() < 0.15:
                    shared.append((path, guid))
            # cyrus meta files (binary index/cache)
            write(f"{mfdir}/cyrus.header", b"\xa1\x02\x8b\x0dCyrus mailbox header\n" + u["uid"].encode(), 0o600, UID_CYRUS, GID_MAIL, 0o700)
            write(f"{mfdir}/cyrus.index", cyrus_index(g, uid), 0o600, UID_CYRUS, GID_MAIL, 0o700)
            write(f"{mfdir}/cyrus.cache", g.blob(256 * max(uid, 1)), 0o600, UID_CYRUS, GID_MAIL, 0o700)
        mkdirs(f"{udir}/Vide", 0o700, UID_CYRUS, GID_MAIL)   # an empty folder
    # single-instance store: the same message delivered to several mailboxes = hard links
    for path, guid in shared:
        for _ in range(g.r.randint(1, 4)):
            u = g.r.choice(users)
            dst_dir = f"{data_root}/{u['login'][0]}/user/{u['login']}"
            k = 1000 + g.r.randint(0, 10 ** 6)
            dst = f"{dst_dir}/{k}."
            if not os.path.exists(dst):
                link(path, dst)
                records.append((f"{u['uid']}/INBOX", k, guid, [], "2024-03-30 09:00:00+00", "2024-03-30 09:00:00+00"))
    # a hard link between two folders of one mailbox
    if shared:
        p0 = shared[0][0]
        d0 = os.path.dirname(p0)
        link(p0, os.path.join(d0, "Archives 2023", "99999.") if os.path.isdir(os.path.join(d0, "Archives 2023")) else p0 + "copy.")
    write("/var/spool/cyrus/data/.quota-scan", "", 0o600, UID_CYRUS, GID_MAIL)

    # ---- /var/lib/cyrus: databases and per-user state -------------------------------------------
    # BlueMind 5.x has no Cyrus (FEATBL-1831): no /var/lib/cyrus, no /var/spool/sieve on a 5.x host
    if os.path.isdir("/var/lib/cyrus"):
        lib = "/var/lib/cyrus"
        write(f"{lib}/mailboxes.db", g.blob(64 * 1024), 0o600, UID_CYRUS, GID_MAIL)
        write(f"{lib}/annotations.db", g.blob(16 * 1024), 0o600, UID_CYRUS, GID_MAIL)
        write(f"{lib}/deliver.db", g.blob(8 * 1024), 0o600, UID_CYRUS, GID_MAIL)
        write(f"{lib}/tls_sessions.db", b"", 0o600, UID_CYRUS, GID_MAIL)
        for u in users:
            write(f"{lib}/domain/{domain[0]}/{domain}/user/{u['login'][0]}/{u['login']}.seen",
                  g.blob(300), 0o600, UID_CYRUS, GID_MAIL, 0o750)
            write(f"{lib}/domain/{domain[0]}/{domain}/user/{u['login'][0]}/{u['login']}.sub",
                  "\n".join(f"{domain}!user.{u['login']}.{x}" for x in ("Sent", "Trash", "Envoyés")) + "\n",
                  0o600, UID_CYRUS, GID_MAIL, 0o750)
        for d in ("proc", "socket", "sync", "lock"):
            mkdirs(f"{lib}/{d}", 0o750, UID_CYRUS, GID_MAIL)   # empty dirs
        os.symlink("/var/run/cyrus/socket", f"{lib}/socket-link")
        chown(f"{lib}/socket-link", UID_CYRUS, GID_MAIL)

    # ---- sieve scripts ---------------------------------------------------------------------------
    if os.path.isdir("/var/spool/sieve"):
        for u in users[: max(3, n_users // 2)]:
            sd = f"/var/spool/sieve/domain/{domain[0]}/{domain}/{u['login'][0]}/{u['login']}"
            script = (f'require ["fileinto", "vacation"];\n# {u["display"]}\n'
                      f'if header :contains "Subject" "{g.words(2)}" {{ fileinto "Archives 2023"; }}\n'
                      f'vacation :days 7 "Absent — retour le {g.r.randint(1, 28)} août";\n')
            write(f"{sd}/roundcube.script", script, 0o600, UID_CYRUS, GID_MAIL, 0o700)
            write(f"{sd}/roundcube.bc", g.blob(400 + len(script)), 0o600, UID_CYRUS, GID_MAIL, 0o700)
            os.symlink("roundcube.bc", f"{sd}/defaultbc")
            chown(f"{sd}/defaultbc", UID_CYRUS, GID_MAIL)

    # ---- bm-hsm: archived messages ---------------------------------------------------------------
    for u in users[:6]:
        for _ in range(g.r.randint(2, 6)):
            write(f"/var/spool/bm-hsm/snappy/user/{domain}/{u['uid']}/{g.r.getrandbits(80):020x}",
                  g.blob(g.r.randint(5000, 200000)), 0o644, UID_CYRUS, GID_MAIL, 0o755)
    write(f"/var/spool/bm-hsm/snappy/archive-big.bin", g.blob((6 if g.medium else 1) * 1024 * 1024), 0o644)

    # ---- bm-elasticsearch: index files -----------------------------------------------------------
    es = "/var/spool/bm-elasticsearch/data/nodes/0"
    write(f"{es}/node.lock", b"", 0o600, UID_ES, GID_ES)
    write(f"{es}/_state/global-3.st", g.blob(900), 0o644, UID_ES, GID_ES)
    n_idx = 4 if g.medium else 2
    for i in range(n_idx):
        idx = f"{es}/indices/{g.r.getrandbits(64):016x}{g.r.getrandbits(32):08x}"
        write(f"{idx}/0/index/_0.cfs", g.blob((8 if g.medium else 2) * 1024 * 1024 + g.r.randint(0, 9999)), 0o644, UID_ES, GID_ES)
        write(f"{idx}/0/index/_0.si", g.blob(400), 0o644, UID_ES, GID_ES)
        write(f"{idx}/0/index/segments_2", g.blob(300), 0o644, UID_ES, GID_ES)
        write(f"{idx}/0/translog/translog-1.tlog", g.blob(55), 0o644, UID_ES, GID_ES)
        write(f"{idx}/_state/state-{i}.st", g.blob(250), 0o644, UID_ES, GID_ES)
        mkdirs(f"{idx}/0/index/write.lock.d", 0o755, UID_ES, GID_ES)   # empty dir

    # ---- bm-docs ---------------------------------------------------------------------------------
    for _ in range(20 if g.medium else 8):
        write(f"/var/spool/bm-docs/{g.r.getrandbits(128):032x}", g.blob(g.r.randint(1000, 300000)), 0o644)
    write("/var/spool/bm-docs/Documents partagés/Rapport annuel 2023 (version finale).pdf",
          b"%PDF-1.7\n" + g.blob(120000), 0o644)
    write("/var/spool/bm-docs/Documents partagés/Ç'est « bizarre » — 100%.txt", g.words(200), 0o640)
    mkdirs("/var/spool/bm-docs/empty dir", 0o755)

    # ---- bm-filehosting --------------------------------------------------------------------------
    fh = f"/var/spool/bm-filehosting/{domain}"
    for _ in range(6 if g.medium else 2):
        h = f"{g.r.getrandbits(128):032x}"
        write(f"{fh}/{h[0]}/{h[1]}/{h}", g.blob((8 if g.medium else 3) * 1024 * 1024 + g.r.randint(0, 99999)), 0o644)
    write(f"{fh}/Élodie – résumé.odt", g.blob(40000), 0o644)
    write(f"{fh}/note\nseconde ligne.txt", "a file name with a newline\n", 0o644)
    write(f"{fh}/  leading and trailing spaces  ", "spaces\n", 0o600)
    write(f"{fh}/script.sh", "#!/bin/sh\necho hello\n", 0o755)
    mkdirs(f"{fh}/partage", 0o2775, 0, 8)   # setgid dir
    write(f"{fh}/partage/lisez-moi.txt", "shared\n", 0o664, 0, 8)
    os.symlink(f"{fh}/Élodie – résumé.odt", f"{fh}/partage/lien absolu")
    os.symlink("../script.sh", f"{fh}/partage/lien-relatif")
    os.symlink("/nonexistent/target", f"{fh}/partage/lien-cassé")
    mkdirs(f"{fh}/empty/nested/deeper", 0o755)

    # ---- databases -------------------------------------------------------------------------------
    bj = Copy()
    bj.sql("BEGIN;")
    bj.table("t_domain", ["name", "label", "aliases", "properties"], [
        # properties: hstore text (BlueMind's domain-schema.1.0.0.sql); no Keycloak realm yet
        ("autre-société.example", "Autre « société »", ["alias-1.example", "alias-2.example"], '"note"=>"l\'apostrophe"'),
        ("third.example", "Third", [], ""),
    ])
    entries, mailboxes, containers, keys = [], [], [], []
    for u in users:
        entries.append((2, "USER", u["uid"], u["display"], f"{u['login']}@{domain}", False, g.r.random() < 0.1,
                        json.dumps({"quota": g.r.randint(100, 5000), "title": g.words(2)}, ensure_ascii=False)))
        for t in ("mailboxacl", "calendar", "addressbook", "todolist"):
            containers.append((f"{t}:{u['uid']}", t, f"{t} of {u['display']}", u["uid"], domain,
                               "2024-01-15 08:00:00+00"))
        keys.append((f"{g.r.getrandbits(128):032x}", f"key of {u['display']}", u["uid"], domain))
    for i in range(40 if g.medium else 10):
        entries.append((2, "GROUP", f"group-{i:03d}", f"Groupe n°{i} « {g.words(1)} »", f"group{i}@{domain}",
                        False, False, json.dumps({"members": g.r.randint(1, 30)})))
    bj.table("t_directory_entry", ["domain_id", "kind", "entry_uid", "display_name", "email", "archived", "hidden", "data"], entries)
    bj.table("t_container", ["uid", "type", "name", "owner", "domain_uid", "created"], containers)
    bj.table("t_api_key", ["sid", "display_name", "subject", "domain_uid"], keys)
    bj.sql("INSERT INTO t_mailbox (entry_id, name, routing, quota_kb, datalocation) "
           "SELECT id, split_part(email, '@', 1), 'internal', (data->>'quota')::bigint * 1024, 'bm-master' "
           "FROM t_directory_entry WHERE kind = 'USER' AND domain_id = 2;")
    bj.sql(f"INSERT INTO t_systemconf (key, value) VALUES ('populated-by', 'bmfleet populate ({size})') "
           "ON CONFLICT (key) DO UPDATE SET value = excluded.value;")
    bj.sql(f"SELECT setval('t_directory_version_seq', {len(entries) + 100});")
    # items of the calendars and address books, then a block of ids booked and never used (as
    # BlueMind's OfflineMgmtStore.reserveItemIds does): the sequence ends ahead of every row
    def q(v):
        return "'" + str(v).replace("'", "''") + "'"
    items = []
    for c in containers:
        if c[1] in ("calendar", "addressbook"):
            for k in range(g.r.randint(0, 20 if g.medium else 8)):
                items.append((c[0], f"{c[1][:3]}-{g.r.getrandbits(48):012x}", g.r.randint(1, 9), g.words(g.r.randint(1, 4)),
                              f"2024-0{g.r.randint(1, 9)}-{g.r.randint(10, 28)} 08:00:00", g.r.choice([0, 0, 1, 2])))
    if items:
        bj.sql("INSERT INTO t_container_item (container_id, uid, version, displayname, created, updated, flags) "
               "SELECT c.id, v.uid, v.version, v.name, v.created::timestamp, v.created::timestamp, v.flags "
               "FROM (VALUES " + ", ".join(f"({q(a)}, {q(b)}, {n}, {q(d)}, {q(t)}, {f})" for a, b, n, d, t, f in items) +
               ") AS v(cuid, uid, version, name, created, flags) JOIN t_container c ON c.uid = v.cuid ORDER BY v.uid;")
    bj.sql(f"SELECT multi_nextval('t_container_item_id_seq', {1000 if g.medium else 250});")
    # the containers' ACLs (a table without a primary key, as BlueMind's): every owner has All,
    # some containers are shared with another user or a group
    acls = []
    subjects = [u["uid"] for u in users] + [e[2] for e in entries if e[1] == "GROUP"]
    for c in containers:
        acls.append((c[0], c[3], "All", 0))
        for pos in range(1, 1 + (g.r.randint(1, 3) if g.r.random() < 0.3 else 0)):
            acls.append((c[0], g.r.choice(subjects), g.r.choice(["Read", "Write", "Invitation", "Freebusy"]), pos))
    bj.sql("INSERT INTO t_container_acl (container_id, subject, verb, position) "
           "SELECT c.id, v.subject, v.verb, v.position FROM (VALUES " +
           ", ".join(f"({q(a)}, {q(b)}, {q(v)}, {p}::int2)" for a, b, v, p in acls) +
           ") AS v(cuid, subject, verb, position) JOIN t_container c ON c.uid = v.cuid;")
    bj.sql("COMMIT;")
    psql("bj", bj.buf.getvalue())
    # the postfix map of the domains follows the directory, as BlueMind's map updater keeps it
    # (VirtualDomainsMap.java: each domain, then its aliases; ordered as the core stand-in rebuilds it)
    vd = scalar("bj", "SELECT string_agg(name || ' OK' || coalesce((SELECT string_agg(E'\\n' || a || ' OK', '') "
                      "FROM unnest(aliases) a), ''), E'\\n' ORDER BY name) FROM t_domain")
    with open("/etc/postfix/virtual_domains-flat", "r+") as f:  # in place: owner and mode kept
        f.write(vd + "\n")
        f.truncate()

    data = Copy()
    data.sql("BEGIN;")
    uniq = {}
    for b in bodies:
        uniq.setdefault(b[0], b)
    data.table("t_message_body", ["guid", "subject", "size", "preview", "headers", "structure", "created"], list(uniq.values()))
    data.table("t_mailbox_record", ["mailbox_uid", "imap_uid", "message_body_guid", "flags", "internal_date", "last_updated"], records)
    events = []
    for i in range(1500 if g.medium else 400):
        events.append((f"ev-{g.r.getrandbits(64):016x}", g.words(g.r.randint(1, 6)), g.r.choice([None, "Salle « Ada »", "Bureau d'Émile", "Zoom"]),
                       "\n".join(g.words(8) for _ in range(g.r.randint(0, 5))) or None,
                       f"2024-{g.r.randint(1, 12):02d}-{g.r.randint(1, 28):02d} {g.r.randint(7, 18):02d}:00:00+00",
                       None, g.r.choice([None, "FREQ=WEEKLY;BYDAY=MO", "FREQ=DAILY;COUNT=5"])))
    data.table("t_calendar_vevent", ["item_uid", "summary", "location", "description", "dtstart", "dtend", "rrule"], events)
    cards = []
    for i in range(1500 if g.medium else 400):
        f, l = g.name()
        cards.append((f"vc-{i:05d}", f"{f} {l}", [f"{f.lower()}.{i}@exemple.fr"],
                      g.r.choice([None, g.words(10), "ligne 1\nligne 2\ttabulée"]),
                      g.blob(g.r.randint(100, 3000)) if g.r.random() < 0.3 else None))
    data.table("t_addressbook_vcard", ["item_uid", "formatted_name", "emails", "note", "photo"], cards)
    changes = []
    for i in range(5000 if g.medium else 1200):
        changes.append((f"calendar:{g.r.choice(users)['uid']}", i + 1, f"item-{g.r.getrandbits(40):010x}", g.r.choice("CUD")))
    data.table("t_container_changeset", ["container_uid", "version", "item_uid", "action"], changes)
    data.table("t_settings", ["key", "value"], [("populated", f"{size} {seed}"), ("motd", "Bienvenue — « bonne journée » ☀")])
    for t in ("t_mailbox_record", "t_calendar_vevent", "t_addressbook_vcard", "t_container_changeset"):
        data.sql(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}));")
    data.sql(f"SELECT setval('t_container_item_version_seq', {len(changes) + 7});")
    data.sql("COMMIT;")
    psql("bj-data", data.buf.getvalue())

    rows = sum(len(x) for x in (entries, containers, keys, items, acls, uniq, records, events, cards, changes))
    return {"users": n_users, "messages": total_files, "hardlinked_copies": len(records) - len(bodies),
            "db_rows": rows}


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", choices=["small", "medium"], default="small")
    ap.add_argument("--seed", default=None)
    a = ap.parse_args()
    if os.path.exists(MARKER):
        sys.exit(f"populate: {socket.gethostname()} is already populated ({open(MARKER).read().strip()}); "
                 "run `fleet reset HOST` first")
    seed = a.seed if a.seed is not None else f"{socket.gethostname()}-{a.size}"
    os.umask(0o022)
    stats = populate(a.size, seed)
    with open(MARKER, "w") as f:
        f.write(f"size={a.size} seed={seed}\n")
    print(f"populate: {socket.gethostname()}: {a.size}, seed {seed!r}: " + ", ".join(f"{k}={v}" for k, v in stats.items()))


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""Mail clients of the campaign test (tests/fleet_mail.rs) on a mail fleet (`fleet up N --mail`).

Runs on the controller, talks to the hosts over the bridge, as the outside world and the tenants'
mail clients do (smtplib to the sender host, imaplib to the tenant's address):

  load     --sender IP --domains D,D --users U,U --rate R --sent FILE --stop FILE
           steady SMTP load: R messages a second per domain, 1 KB..1 MB, one to five recipients,
           one in five to team@ (every mailbox: Cyrus hard-links it); each message the sender
           accepted is a JSON line of FILE {"mid", "domain", "rcpts", "t"}
  act      --host IP --domain D --password P --step N   IMAP client work between hot syncs (flags,
           a new folder, a move, an expunge); prints {"expunged": [[mailbox, mid]...], "folders": []}
  snapshot --host IP --domain D --password P --users U,U   every mailbox: UIDVALIDITY and its
           messages [uid, Message-ID, flags] (JSON)
  probe    --host IP --user U --password P --log FILE --stop FILE   an IMAP login every 0.2 s,
           a line "ok|fail <unix time>" each
  check    --host IP --domain D --password P --users U,U --sent FILE --snapshot FILE --expunged FILE
           the target after the campaign: every message handed over is there exactly once, the
           snapshot's messages keep UID, folder and flags, UIDVALIDITY unchanged, expunged stay
           expunged; prints the counts, exit 1 on any difference
"""
import argparse
import imaplib
import json
import os
import random
import re
import smtplib
import sys
import time
from email.message import EmailMessage

PORT = 1143
SIZES = [1024, 4096, 20_000, 100_000, 1_000_000]


def login(host, user, password):
    c = imaplib.IMAP4(host, PORT)
    c.login(user, password)
    return c


def load(a):
    rnd = random.Random(a.seed)
    domains, users = a.domains.split(","), a.users.split(",")
    n, t0 = 0, time.time()
    with open(a.sent, "a") as out:
        while not os.path.exists(a.stop):
            for d in domains:
                n += 1
                mid = f"<{n}.{d}.{os.getpid()}@bmfleet-campaign>"
                if rnd.random() < 0.2:
                    to, rcpts = [f"team@{d}"], users
                else:
                    rcpts = rnd.sample(users, rnd.randint(1, 5))
                    to = [f"{u}@{d}" for u in rcpts]
                m = EmailMessage()
                m["From"] = "campaign@sender.example"
                m["To"] = ", ".join(to)
                m["Subject"] = f"campaign {n}"
                m["Message-ID"] = mid
                size = SIZES[min(int(rnd.expovariate(1.2)), len(SIZES) - 1)]
                m.set_content(("x" * 75 + "\n") * (size // 76 + 1))
                try:
                    with smtplib.SMTP(a.sender, 25, timeout=20) as s:
                        s.send_message(m)
                except (OSError, smtplib.SMTPException) as e:
                    print(f"load: the sender refused {mid}: {e}", file=sys.stderr)
                    continue
                out.write(json.dumps({"mid": mid, "domain": d, "rcpts": rcpts, "t": time.time()}) + "\n")
                out.flush()
            # a steady rate: sleep until the next tick
            time.sleep(max(0.0, t0 + n / len(domains) / a.rate - time.time()))


def mids(c, uids):
    """uid -> (Message-ID, flags) of the selected mailbox."""
    out = {}
    if not uids:
        return out
    typ, data = c.uid("FETCH", ",".join(uids), "(UID FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    for item in data:
        if not isinstance(item, tuple):
            continue
        meta, hdr = item[0].decode(), item[1].decode(errors="replace")
        uid = re.search(r"UID (\d+)", meta).group(1)
        flags = sorted(f for f in re.search(r"FLAGS \(([^)]*)\)", meta).group(1).split() if f != "\\Recent")
        mid = hdr.split(":", 1)[1].strip() if ":" in hdr else ""
        out[uid] = (mid, flags)
    return out


def all_uids(c):
    typ, data = c.uid("SEARCH", None, "ALL")
    return data[0].decode().split()


def act(a):
    """Work of a mail client between two hot syncs; step N works on user uN."""
    user = f"u{a.step}@{a.domain}"
    c = login(a.host, user, a.password)
    folder = f"Projets {a.step}"
    c.create(f'"{folder}"')
    c.subscribe(f'"{folder}"')
    c.select("INBOX")
    uids = all_uids(c)
    if len(uids) < 6:
        sys.exit(f"act: {user} has {len(uids)} messages, 6 needed")
    info = mids(c, uids[:6])
    c.uid("STORE", uids[0], "+FLAGS", "(\\Flagged)")
    c.uid("STORE", uids[1], "+FLAGS", "(\\Seen \\Answered)")
    c.uid("STORE", uids[2], "+FLAGS", "(\\Seen)")
    typ, _ = c.uid("MOVE", uids[3], f'"{folder}"')
    if typ != "OK":
        sys.exit(f"act: MOVE failed for {user}")
    c.uid("STORE", uids[4], "+FLAGS", "(\\Deleted)")
    c.expunge()
    c.logout()
    print(json.dumps({"expunged": [[f"{user}/INBOX", info[uids[4]][0]]], "folders": [f"{user}/{folder}"]}))


def mailboxes(c):
    typ, data = c.list()
    out = []
    for line in data:
        m = re.match(rb'\(([^)]*)\) "([^"]*)" (.*)$', line)
        name = m.group(3).decode().strip('"')
        out.append(name)
    return out


def snapshot_of(host, domain, password, users):
    snap = {}
    for u in users:
        user = f"{u}@{domain}"
        c = login(host, user, password)
        for box in mailboxes(c):
            typ, data = c.select(f'"{box}"', readonly=True)
            typ, uv = c.response("UIDVALIDITY")
            info = mids(c, all_uids(c))
            snap[f"{user}/{box}"] = {"uidvalidity": uv[0].decode(),
                                     "msgs": [[uid, mid, fl] for uid, (mid, fl) in info.items()]}
        c.logout()
    return snap


def snapshot(a):
    print(json.dumps(snapshot_of(a.host, a.domain, a.password, a.users.split(","))))


def probe(a):
    with open(a.log, "a") as out:
        while not os.path.exists(a.stop):
            t = time.time()
            try:
                c = imaplib.IMAP4(a.host, PORT, timeout=2)
                c.login(a.user, a.password)
                c.logout()
                out.write(f"ok {t:.3f}\n")
            except (OSError, imaplib.IMAP4.error) as e:
                out.write(f"fail {t:.3f} {type(e).__name__}\n")
            out.flush()
            time.sleep(0.2)


def check(a):
    users = a.users.split(",")
    now = snapshot_of(a.host, a.domain, a.password, users)
    before = json.load(open(a.snapshot))
    expunged = {tuple(x) for x in json.load(open(a.expunged))}
    expected = {}  # (user, mid) -> 1
    for line in open(a.sent):
        s = json.loads(line)
        if s["domain"] == a.domain:
            for u in s["rcpts"]:
                expected[(f"{u}@{a.domain}", s["mid"])] = 1
    found = {}
    for box, st in now.items():
        user = box.split("/", 1)[0]
        for uid, mid, fl in st["msgs"]:
            found[(user, mid)] = found.get((user, mid), 0) + 1
    # what the IMAP clients removed on purpose is expected nowhere
    for box, mid in expunged:
        expected.pop((box.split("/", 1)[0], mid), None)
    lost = [k for k in expected if k not in found]
    dup = [k for k, n in found.items() if n > 1]
    back = [x for x in expunged if (x[0].split("/", 1)[0], x[1]) in found]
    problems = []
    kept = 0
    for box, st in before.items():
        if box not in now:
            problems.append(f"mailbox {box} missing on the target")
            continue
        if now[box]["uidvalidity"] != st["uidvalidity"]:
            problems.append(f"{box}: UIDVALIDITY {st['uidvalidity']} -> {now[box]['uidvalidity']}")
        there = {uid: (mid, fl) for uid, mid, fl in now[box]["msgs"]}
        for uid, mid, fl in st["msgs"]:
            if there.get(uid) != (mid, fl):
                problems.append(f"{box}: UID {uid} {mid} {fl} is now {there.get(uid)}")
            else:
                kept += 1
    print(f"{a.domain}: {len(expected)} deliveries handed over, lost={len(lost)} duplicated={len(dup)}; "
          f"{len(before)} mailboxes checked, {kept} pre-cold-sync messages kept UID, folder and flags; "
          f"expunged back={len(back)}; {len(problems)} other difference(s)")
    for x in (lost[:5] + dup[:5] + back[:5] + problems[:10]):
        print(f"  {x}")
    sys.exit(1 if lost or dup or back or problems else 0)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cmd", choices=["load", "act", "snapshot", "probe", "check"])
    for opt in ["sender", "domains", "users", "sent", "stop", "host", "domain", "password", "user", "log",
                "snapshot", "expunged"]:
        p.add_argument(f"--{opt}")
    p.add_argument("--rate", type=float, default=2.0)
    p.add_argument("--step", type=int, default=1)
    p.add_argument("--seed", type=int, default=14)
    a = p.parse_args()
    {"load": load, "act": act, "snapshot": snapshot, "probe": probe, "check": check}[a.cmd](a)


if __name__ == "__main__":
    main()

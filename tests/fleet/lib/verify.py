#!/usr/bin/python3
"""Compare what ORIGIN and TARGET hold (see tests/fleet/verify --help). Runs in the root namespace and
collects each host's manifest (lib/manifest.py) through `fleet exec`."""
import argparse
import difflib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FLEET = os.path.join(os.path.dirname(HERE), "fleet")
FIELDS = ["type", "mode", "uid", "gid", "size", "sha256", "target", "link", "rdev"]


def show(s):
    """A path or value made printable on one line (newlines and undecodable bytes escaped)."""
    s = str(s)
    out = []
    for ch in s:
        if ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif 0xDC80 <= ord(ch) <= 0xDCFF:
            out.append("\\x%02x" % (ord(ch) - 0xDC00))
        elif ord(ch) < 32 or ord(ch) == 127:
            out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def short(v):
    v = show(v)
    return v[:16] + "…" if len(v) > 40 and all(c in "0123456789abcdef" for c in v) else v


def start(host, extra):
    # the program goes through stdin: the repository may not be visible inside the host
    cmd = [FLEET, "exec", host, "/usr/bin/python3", "-"] + extra
    with open(os.path.join(HERE, "manifest.py"), "rb") as prog:
        return subprocess.Popen(cmd, stdin=prog, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def finish(host, proc):
    out, err = proc.communicate()
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace"))
        sys.stderr.write(f"verify: cannot read the manifest of {host} (exit {proc.returncode})\n")
        sys.exit(2)
    return json.loads(out)


def compare_files(o, t, diffs, stats):
    for group, og in o.items():
        tg = t.get(group, {"missing": True, "entries": {}})
        label = "config" if group == "config" else group
        if og["missing"] != tg["missing"]:
            diffs.append((label, f"{label}: {'missing' if tg['missing'] else 'present'} on target, "
                                 f"{'missing' if og['missing'] else 'present'} on origin"))
            continue
        oe, te = og["entries"], tg["entries"]
        stats["paths"] += len(oe)
        for p in sorted(set(oe) | set(te)):
            where = f"{label}: {show(p)}" if group != "config" else f"config: {show(p)}"
            if p not in te:
                diffs.append((label, f"{where}: missing on target ({oe[p]['type']})"))
                continue
            if p not in oe:
                diffs.append((label, f"{where}: extra on target ({te[p]['type']})"))
                continue
            a, b = oe[p], te[p]
            bad = [f for f in FIELDS if a.get(f) != b.get(f)]
            if bad:
                diffs.append((label, f"{where}: " + ", ".join(
                    f"{f} origin={short(a.get(f, '-'))} target={short(b.get(f, '-'))}" for f in bad)))


def compare_db(o, t, diffs, stats):
    for db, od in o.items():
        td = t.get(db, {"error": "absent"})
        if "error" in od:
            diffs.append((f"db {db}", f"db {db}: cannot read it on the origin: {od['error']}"))
            continue
        if "error" in td:
            diffs.append((f"db {db}", f"db {db}: cannot read it on the target: {td['error']}"))
            continue
        if od["owner"] != td["owner"]:
            diffs.append((f"db {db}", f"db {db}: owner/encoding/locale/settings origin={od['owner']} target={td['owner']}"))
        if od["schema"] != td["schema"]:
            ud = list(difflib.unified_diff(od["schema"], td["schema"], "origin", "target", lineterm="", n=0))
            body = [l for l in ud if not l.startswith(("---", "+++", "@@"))]
            diffs.append((f"db {db}", f"db {db}: schema differs ({len(body)} lines): " + " | ".join(body[:6])))
        for name in sorted(set(od["tables"]) | set(td["tables"])):
            if name not in td["tables"]:
                diffs.append((f"db {db}", f"db {db}: table {name} missing on target"))
                continue
            if name not in od["tables"]:
                diffs.append((f"db {db}", f"db {db}: table {name} extra on target"))
                continue
            a, b = od["tables"][name], td["tables"][name]
            stats["tables"] += 1
            stats["rows"] += a["count"]
            if a["sha256"] != b["sha256"]:
                sa, sb = set(a["rows"]), set(b["rows"])
                only_o = sorted(sa - sb)
                only_t = sorted(sb - sa)
                msg = f"db {db}: table {name}: {a['count']} rows on origin, {b['count']} on target"
                if only_o:
                    msg += f"; {len(only_o)} only on origin, e.g. {show(only_o[0])[:120]}"
                if only_t:
                    msg += f"; {len(only_t)} only on target, e.g. {show(only_t[0])[:120]}"
                if not (a["rows"] and b["rows"]):
                    msg += "; their rows differ (too many to keep for showing which)"
                diffs.append((f"db {db}", msg))
        for name in sorted(set(od["sequences"]) | set(td["sequences"])):
            a, b = od["sequences"].get(name), td["sequences"].get(name)
            if a != b:
                diffs.append((f"db {db}", f"db {db}: sequence {name}: origin={a} target={b}"))


def main():
    ap = argparse.ArgumentParser(prog="verify", add_help=False)
    ap.add_argument("origin")
    ap.add_argument("target")
    ap.add_argument("--no-db", action="store_true")
    ap.add_argument("--no-files", action="store_true")
    ap.add_argument("--no-auth", action="store_true")
    ap.add_argument("--no-config", action="store_true",
                    help="compare the spools only (after a hot sync, the configuration is not copied yet)")
    ap.add_argument("--max-diffs", type=int, default=20)
    a = ap.parse_args()
    extra = (["--no-db"] if a.no_db else []) + (["--no-files"] if a.no_files else [])
    po = start(a.origin, extra)
    pt = start(a.target, extra + ([] if a.no_auth else ["--auth"]))
    o = finish(a.origin, po)
    t = finish(a.target, pt)
    diffs = []
    stats = {"paths": 0, "tables": 0, "rows": 0}
    if a.no_config:
        o["files"].pop("config", None)
        t["files"].pop("config", None)
    if not a.no_files:
        compare_files(o["files"], t["files"], diffs, stats)
    if not a.no_db:
        compare_db(o["db"], t["db"], diffs, stats)
    if not a.no_auth and not t["auth"]["ok"]:
        diffs.append(("auth", f"auth: {t['auth']['detail']}"))
    if diffs:
        sys.stderr.write(f"verify: {a.target} ({t['host']}) does NOT hold the data of {a.origin} ({o['host']}): "
                         f"{len(diffs)} difference(s)\n")
        groups = {}
        for g, msg in diffs:
            groups.setdefault(g, []).append(msg)
        for g, msgs in groups.items():
            kinds = {"missing on target": 0, "extra on target": 0}
            for m in msgs:
                for k in kinds:
                    if m.endswith(")") and f": {k} (" in m:
                        kinds[k] += 1
            other = len(msgs) - sum(kinds.values())
            sys.stderr.write(f"  [{g}] {len(msgs)}: {kinds['missing on target']} missing on target, "
                             f"{kinds['extra on target']} extra on target, {other} differing\n")
        # the first differences, taken in turn from each group so that every group shows up
        shown, queues = [], [list(m) for m in groups.values()]
        while len(shown) < a.max_diffs and any(queues):
            for q in queues:
                if q and len(shown) < a.max_diffs:
                    shown.append(q.pop(0))
        for d in shown:
            sys.stderr.write("  " + d + "\n")
        if len(diffs) > len(shown):
            sys.stderr.write(f"  ... and {len(diffs) - len(shown)} more\n")
        sys.exit(1)
    parts = []
    if not a.no_files:
        parts.append(f"{stats['paths']} paths in 7 spools" + ("" if a.no_config else " + config"))
    if not a.no_db:
        parts.append(f"{stats['tables']} tables, {stats['rows']} rows, sequences")
    if not a.no_auth:
        parts.append(t["auth"]["detail"])
    print(f"verify: {a.target} holds exactly the data of {a.origin} ({'; '.join(parts)})")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Checks and tables of bench/fanout and bench/downtime.

    report.py check-bmfleet-fanout RUNS_DIR N K   every pair ok, each host echoed its K steps
    report.py check-ansible STDOUT N K            PLAY RECAP: N hosts, ok=K, nothing failed
    report.py check-pyinfra STDOUT N K            K operations succeeded on N hosts
    report.py check-lines STDOUT N K              N*K lines "step i on <hostname>"
    report.py sshd-cpu PIDFILE...                 CPU s of the hosts' sshd listeners and every
                                                  session they reaped, once no session is left
    report.py fanout RESULTS.jsonl                medians, ratios, targets of issue 4
    report.py scaling RESULTS.jsonl               growth in N and K of bmfleet
    report.py bmfleet-downtime RUNS_DIR           per pair: downtime (summary.json) and status
    report.py calls-downtime ORIGIN_LOG TARGET_LOG SINCE   downtime from the stand-ins' calls.log
    report.py downtime RESULTS.jsonl              medians and ratios of bench/downtime
"""
import glob
import json
import os
import re
import statistics
import sys
from datetime import datetime, timezone

MIB = 1024.0


def fail(msg):
    print(msg)
    sys.exit(1)


def load(path):
    """The records of a results file. A line that is not JSON (a run cut off while writing it) is
    named and left out: the other records still make the report (2026-12-07, the whole report
    was lost to one invalid bmfleet record)."""
    records = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                print(f"{path}:{number}: not a JSON record ({e}); left out of the report")
    return records


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt_range(xs, unit="s", scale=1.0, prec=3):
    if not xs:
        return "-"
    return f"{min(xs) / scale:.{prec}f}-{max(xs) / scale:.{prec}f}"


def table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append("  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths))))
    return "\n".join(out)


def verdict(ok):
    return "MET" if ok else "NOT MET"


# ---- validity checks ----------------------------------------------------------------------------

def the_run_dir(runs_dir):
    dirs = [d for d in glob.glob(os.path.join(runs_dir, "*")) if os.path.isdir(d)]
    if len(dirs) != 1:
        fail(f"expected one run directory in {runs_dir}, found {len(dirs)}")
    return dirs[0]


def check_bmfleet_fanout(runs_dir, n, k):
    d = the_run_dir(runs_dir)
    summary = json.load(open(os.path.join(d, "summary.json")))
    pairs = summary["pairs"]
    if len(pairs) != n // 2:
        fail(f"{len(pairs)} pairs in summary.json, expected {n // 2}")
    bad = [p["pair"] for p in pairs if p["status"] != "ok"]
    if bad:
        fail(f"pairs not ok: {bad[:5]}")
    for p in pairs:
        text = open(os.path.join(d, p["pair"] + ".log"), errors="replace").read()
        num = re.sub(r"^p0*", "", p["pair"])
        for role in ("o", "t"):
            host = "bm-%s%02d" % (role, int(num))
            got = len(re.findall(r"\| step \d+ on %s$" % re.escape(host), text, re.M))
            if got != k:
                fail(f"{p['pair']}: {got} steps echoed by {host}, expected {k}")


def check_ansible(path, n, k):
    text = open(path, errors="replace").read()
    recap = re.findall(r"^(\S+)\s+: ok=(\d+)\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)", text, re.M)
    if len(recap) != n:
        fail(f"{len(recap)} hosts in PLAY RECAP, expected {n}")
    bad = [h for h, ok, unr, failed in recap if int(ok) != k or int(unr) or int(failed)]
    if bad:
        fail(f"hosts without {k} ok tasks: {bad[:5]}")


def check_pyinfra(path, n, k):
    text = open(path, errors="replace").read()
    # pyinfra (stderr) ends with a results table: "Grand total  <ops>  <success>  <errors>  ..."
    m = re.search(r"Grand total\s+(\d+)\s+(\d+)\s+(\S+)", text)
    if not m:
        fail("no 'Grand total' line in pyinfra's output")
    total, success, errors = int(m.group(1)), int(m.group(2)), m.group(3)
    if total != n * k or success != n * k or errors not in ("-", "0"):
        fail(f"pyinfra: {success} of {total} host operations succeeded (errors {errors}), expected {n * k}")


def check_lines(path, n, k):
    lines = [l for l in open(path, errors="replace").read().splitlines() if re.fullmatch(r"step \d+ on \S+", l)]
    if len(lines) != n * k:
        fail(f"{len(lines)} step lines, expected {n * k}")
    per_host = {}
    for l in lines:
        per_host.setdefault(l.split()[-1], 0)
        per_host[l.split()[-1]] += 1
    if len(per_host) != n or any(c != k for c in per_host.values()):
        fail(f"steps per host not {k} on {n} hosts: {sorted(per_host.items())[:5]}")


def sshd_cpu(pidfiles):
    """utime+stime+cutime+cstime of each host's sshd listener: every finished SSH session (the
    per-connection sshd, the shells and commands it ran) is reaped up this chain, so the sum
    grows by the CPU the hosts spent serving a run. Waits (5 s at most) until the listeners have
    no child left, so the sessions of the run just finished are counted."""
    import time
    pids = set()
    for f in pidfiles:
        try:
            pids.add(int(open(f).read().split()[0]))
        except (OSError, ValueError, IndexError):
            pass
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        busy = False
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                stat = open(f"/proc/{d}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) in pids:
                busy = True
                break
        if not busy:
            break
        time.sleep(0.05)
    hz = os.sysconf("SC_CLK_TCK")
    total = 0
    for p in pids:
        try:
            f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in f[11:15])
        except (OSError, ValueError, IndexError):
            pass
    print(f"{total / hz:.2f}")


# ---- bench/fanout -------------------------------------------------------------------------------

TOOL_NAMES = {"bmfleet": "bmfleet", "pyinfra": "pyinfra", "ansible": "ansible-playbook",
              "ssh": "OpenSSH loop (ControlMaster)"}


def fanout(path):
    recs = load(path)
    ok = [r for r in recs if r["valid"]]
    invalid = len(recs) - len(ok)
    tools = []
    for r in recs:
        if r["tool"] not in tools:
            tools.append(r["tool"])
    n, k = recs[0]["n"], recs[0]["k"]
    rounds = max(r["round"] for r in recs)
    print(f"\nfanout: {n} hosts x {k} steps, {rounds} interleaved round(s); medians (min-max)"
          + (f"; {invalid} INVALID run(s) excluded" if invalid else ""))
    rows, m = [], {}
    for t in tools:
        rs = [r for r in ok if r["tool"] == t]
        w = [r["wall_s"] for r in rs]
        main = [r["main_maxrss_kib"] for r in rs]
        tree = [r["tree_peak_rss_kib"] for r in rs]
        procs = [r["tree_peak_procs"] for r in rs]
        cpu = [r.get("cpu_s", float("nan")) for r in rs]
        rcpu = [r.get("remote_cpu_s", float("nan")) for r in rs]
        m[t] = {"wall": med(w), "main": med(main) / MIB, "tree": med(tree) / MIB}
        rows.append([TOOL_NAMES.get(t, t), f"{len(rs)}/{rounds}", f"{med(w):.3f}", fmt_range(w),
                     f"{med(main) / MIB:.1f}", f"{med(tree) / MIB:.1f}", f"{med(procs):.0f}",
                     f"{med(cpu):.2f}", f"{med(rcpu):.2f}"])
    print(table(["tool", "valid", "wall s", "wall min-max", "peak RSS largest process MiB",
                 "peak RSS all processes MiB", "processes", "controller CPU s", "hosts' CPU s"], rows))
    if "bmfleet" in m:
        b = m["bmfleet"]
        print("\nratios (bmfleet / other, medians of the same interleaved run):")
        rrows = []
        for t in tools:
            if t == "bmfleet":
                continue
            o = m[t]
            rrows.append([f"bmfleet / {TOOL_NAMES.get(t, t)}", f"{b['wall'] / o['wall']:.3f}x",
                          f"1/{o['wall'] / b['wall']:.1f}", f"{b['tree'] / o['tree']:.3f}x"])
        if rrows:
            print(table(["", "wall time", "as a fraction", "peak RSS (all processes)"], rrows))
        print(f"\ntargets (issue 4; stated for 40 hosts x 10 steps, this run: {n} x {k}):")
        if "pyinfra" in m:
            r = b["wall"] / m["pyinfra"]["wall"]
            print(f"  bmfleet <= 0.25x pyinfra wall time: {r:.3f}x -> {verdict(r <= 0.25)}")
        if "ansible" in m:
            r = b["wall"] / m["ansible"]["wall"]
            print(f"  bmfleet < 1/50 of ansible-playbook wall time: 1/{1 / r:.1f} -> {verdict(r < 1 / 50)}")
        limit = 30 if n <= 40 else 100 if n <= 200 else None
        if limit:
            print(f"  bmfleet peak RSS < {limit} MiB at {n} hosts: {b['main']:.1f} MiB -> {verdict(b['main'] < limit)}")
        # issue 16: the floor the hosts' own CPU sets on 2 shared cores: (hosts' CPU + controller CPU) / cores
        rs = [r for r in ok if r["tool"] == "bmfleet"]
        floor = (med([r.get("remote_cpu_s", 0) for r in rs]) + med([r.get("cpu_s", 0) for r in rs])) / os.cpu_count()
        print(f"\ntargets (issue 16, this run: {n} x {k}):")
        print(f"  bmfleet wall / floor set by the hosts' CPU ((hosts' + controller CPU) / {os.cpu_count()} cores ="
              f" {floor:.2f} s): {b['wall'] / floor:.2f}x" + (f" -> {verdict(b['wall'] <= 1.1 * floor)} (<= 1.1x)" if k >= 10 else ""))
        busy = med([r["machine_busy_s"] for r in rs if "machine_busy_s" in r] or [float("nan")])
        print(f"  bmfleet wall / the machine's busy CPU over the run (every process and the kernel, the bench's"
              f" sampler included: {busy:.2f} core-s / {os.cpu_count()} cores): {b['wall'] / (busy / os.cpu_count()):.2f}x")
        if n >= 1000:
            print(f"  controller peak RSS < 150 MiB at {n} hosts: {b['main']:.1f} MiB -> {verdict(b['main'] < 150)}")


def scaling(path):
    recs = [r for r in load(path) if r["tool"] == "bmfleet"]
    ok = [r for r in recs if r["valid"]]
    ns = sorted({r["n"] for r in recs})
    ks = sorted({r["k"] for r in recs})
    rounds = max(r["round"] for r in recs)
    invalid = len(recs) - len(ok)
    wall = {(n, k): med([r["wall_s"] for r in ok if r["n"] == n and r["k"] == k]) for n in ns for k in ks}
    rss = {(n, k): med([r["main_maxrss_kib"] for r in ok if r["n"] == n and r["k"] == k]) / MIB
           for n in ns for k in ks}
    print(f"\nscaling of bmfleet: median wall time in s (peak RSS in MiB), {rounds} interleaved round(s)"
          + (f"; {invalid} INVALID run(s) excluded" if invalid else ""))
    rows = [[f"N={n}"] + [f"{wall[n, k]:.3f} ({rss[n, k]:.1f})" for k in ks] for n in ns]
    print(table(["hosts \\ steps"] + [f"K={k}" for k in ks], rows))
    cpu = {(n, k): med([r.get("cpu_s", float("nan")) for r in ok if r["n"] == n and r["k"] == k]) for n in ns for k in ks}
    rcpu = {(n, k): med([r.get("remote_cpu_s", float("nan")) for r in ok if r["n"] == n and r["k"] == k])
            for n in ns for k in ks}
    cores = os.cpu_count() or 1
    print(f"\nCPU per step in ms: controller (bmfleet) / hosts (sshd sessions); and the hosts' CPU spread over"
          f" the machine's {cores} cores, a floor for the wall time when the hosts share the controller's cores:")
    rows = [[f"N={n}"] + [f"{cpu[n, k] * 1000 / (n * k):.2f} / {rcpu[n, k] * 1000 / (n * k):.1f}   floor {rcpu[n, k] / cores:.2f} s"
                          for k in ks] for n in ns]
    print(table(["hosts \\ steps"] + [f"K={k}" for k in ks], rows))
    k0, k1 = ks[0], ks[-1]
    n0, n1 = ns[0], ns[-1]
    print(f"\ngrowth in K (K {k0} -> {k1} is x{k1 / k0:g}; at most linear means time ratio <= x{k1 / k0:g}):")
    lin_k = True
    for n in ns:
        g = wall[n, k1] / wall[n, k0]
        per_step = (wall[n, k1] - wall[n, k0]) / (k1 - k0)
        lin_k &= g <= k1 / k0
        print(f"  N={n:<4} time x{g:.2f}   marginal cost {per_step * 1000:.1f} ms per extra step")
    print(f"\ngrowth in N (N {n0} -> {n1} is x{n1 / n0:g}; sub-linear means time ratio < x{n1 / n0:g}):")
    sub_n = True
    for k in ks:
        g = wall[n1, k] / wall[n0, k]
        sub_n &= g < n1 / n0
        steps = " ".join(f"N={n}:{wall[n, k] / wall[n0, k]:.2f}" for n in ns)
        print(f"  K={k:<3} time x{g:.2f}   ({steps})")
    print("\ntargets (issue 4):")
    print(f"  time at most linear in K: {verdict(lin_k)}")
    print(f"  time sub-linear in N up to {n1} hosts: {verdict(sub_n)}")
    for n, limit in ((40, 30), (200, 100)):
        if n in ns:
            worst = max(rss[n, k] for k in ks)
            print(f"  peak RSS < {limit} MiB at {n} hosts: {worst:.1f} MiB (worst K) -> {verdict(worst < limit)}")


# ---- bench/downtime -----------------------------------------------------------------------------

def bmfleet_downtime(runs_dir):
    """One line per pair: pair status downtime_s (or -)."""
    d = the_run_dir(runs_dir)
    summary = json.load(open(os.path.join(d, "summary.json")))
    for p in summary["pairs"]:
        rec = p.get("records", {})
        dt = rec["downtime_end"] - rec["downtime_start"] if "downtime_end" in rec and "downtime_start" in rec else None
        print(p["pair"], p["status"], f"{dt:.3f}" if dt is not None else "-",
              f"{rec.get('downtime_start', 0):.3f}", f"{rec.get('downtime_end', 0):.3f}")


# The parts of the downtime, in the order they happen. bmfleet runs them at once where it can (each
# part is the span from its first step's start to its last step's end); by hand they follow one
# another. "final rsync" by hand is its 7 rsyncs; "dumps" by hand is pg_dump over ssh, so their
# transfer is in it.
# "warm pass" (bmfleet's final passes while the origin still serves) is before the downtime; it is
# shown for what it moved out of it.
PARTS = ["warm pass", "change scans", "final rsync", "dumps", "dump transfer", "restores", "standby",
         "count origin", "count target", "mailboxes", "configuration", "verify", "start"]
BMFLEET_PARTS = {"warm mark": "warm pass", "warm target changes": "warm pass", "warm origin changes": "warm pass",
                 "warm rsync": "warm pass", "keep the origin's warm mark": "warm pass",
                 "record the warm pass": "warm pass", "warm the standby": "warm pass",
                 "tally the origin": "warm pass", "tally the target": "warm pass",
                 "count target databases": "count target", "count target spools": "count target",
                 "rebuild indexes on text": "standby", "verified mailboxes": "mailboxes",
                 "record verified messages": "mailboxes", "record verified mailboxes": "mailboxes",
                 "target changes": "warm pass", "origin changes": "change scans",
                 "final WAL position": "standby", "promote the standby": "standby",
                 "close the origin's cluster": "standby",
                 "origin mailboxes": "mailboxes", "same mailboxes as the origin": "mailboxes",
                 "final rsync": "final rsync", "dump": "dumps", "count origin": "count origin",
                 "pull dumps": "dump transfer", "restore": "restores", "pull configuration": "configuration",
                 "apply configuration": "configuration", "database password": "restores",
                 "save origin counts": "dump transfer", "verify against the origin": "verify",
                 "start target services": "start"}
STEP_END = re.compile(r"^(\S+Z) == ([a-z-]+)/(.+?): (ok|changed|failed|warn|skipped)\S* \(([0-9.]+)s\)")


def bmfleet_breakdown(runs_dir):
    """Per part of the downtime, as JSON: seconds spanned by its steps (pair log of the only pair),
    and the downtime's start and end (epoch s) for reference."""
    d = the_run_dir(runs_dir)
    logs = [f for f in os.listdir(d) if f.endswith(".log") and f[0] == "p"]
    spans = {}
    for line in open(os.path.join(d, sorted(logs)[0]), errors="replace"):
        m = STEP_END.match(line)
        if not m or m.group(2) not in ("cold-sync", "post"):
            continue
        step = re.sub(r"\s*\[.*\]$|\s+\S+$", "", m.group(3)) if m.group(3) not in BMFLEET_PARTS else m.group(3)
        part = next((v for k, v in BMFLEET_PARTS.items() if m.group(3) == k or m.group(3).startswith(k + " ")
                     or m.group(3).startswith(k + "[") or step == k), None)
        if part is None:
            continue
        e = parse_ts(m.group(1))
        b = e - float(m.group(5))
        lo, hi = spans.get(part, (b, e))
        spans[part] = (min(lo, b), max(hi, e))
    print(json.dumps({p: round(spans[p][1] - spans[p][0], 3) for p in PARTS if p in spans}))


def manual_breakdown(err_path, t0):
    """Per part of the by-hand downtime from the bmf-mark lines (manual-migrate.sh, by-hand.sh)."""
    marks = {}
    for line in open(err_path, errors="replace"):
        parts = line.split()
        if len(parts) == 3 and parts[0] == "bmf-mark":
            marks[parts[1]] = float(parts[2])
    seq = [("final rsync", "start", "rsync"), ("dumps", "rsync", "dumps"), ("configuration", "dumps", "config"),
           ("restores", "config", "restore"), ("start", "restore", "started")]
    out = {"stop": round(marks["start"] - float(t0), 3)} if "start" in marks else {}
    for part, a, b in seq:
        if a in marks and b in marks:
            out[part] = round(marks[b] - marks[a], 3)
    print(json.dumps(out))


def parse_ts(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp()


def calls_downtime(origin_log, target_log, since):
    """Downtime as the stand-ins saw it: from the origin's first stop of BlueMind or postfix after
    SINCE (epoch s) to the target's last start of BlueMind or postfix."""
    since = float(since)

    def calls(path):
        out = []
        for line in open(path, errors="replace"):
            parts = line.split()
            if len(parts) >= 3:
                try:
                    out.append((parse_ts(parts[0]), " ".join(parts[1:])))
                except ValueError:
                    pass
        return [c for c in out if c[0] >= since]

    stop = re.compile(r"^(bmctl stop|postfix stop|systemctl stop (postfix|bluemind))")
    start = re.compile(r"^(bmctl start|postfix start|systemctl start (postfix|bluemind))")
    stops = [t for t, c in calls(origin_log) if stop.match(c)]
    starts = [t for t, c in calls(target_log) if start.match(c)]
    if not stops or not starts:
        fail(f"no stop on the origin ({len(stops)}) or no start on the target ({len(starts)}) after {since}")
    print(f"{max(starts) - min(stops):.3f}")


def downtime(path):
    recs = load(path)
    ok = [r for r in recs if r.get("valid")]
    invalid = len(recs) - len(ok)
    rounds = max(r["round"] for r in recs)
    for mode, title in (("downtime", "cold-sync downtime"), ("e2e", "fleet migrated end to end")):
        rs = [r for r in recs if r["mode"] == mode]
        if not rs:
            continue
        pairs = rs[0]["pairs"]
        good = [r for r in rs if r.get("valid")]
        bad = len(rs) - len(good)
        print(f"\n{title}: {pairs} pair(s), size {rs[0].get('size', '?')}, {rounds} interleaved round(s); "
              "medians (min-max)" + (f"; {bad} INVALID run(s) excluded" if bad else ""))
        m = {}
        if mode == "downtime":
            rows = []
            methods = [x for x in ("manual", "bmfleet-base", "bmfleet") if any(r["method"] == x for r in rs)]
            for meth in methods:
                x = [r for r in good if r["method"] == meth]
                dt = [d for r in x for d in r["downtime_s"]]
                dc = [d for r in x for d in r["calls_downtime_s"]]
                wall = [r["wall_s"] for r in x]
                m[meth] = {"dt": med(dt), "dc": med(dc), "wall": med(wall)}
                name = {"manual": "by hand (OpenSSH, sequential)", "bmfleet": "bmfleet migrate",
                        "bmfleet-base": "bmfleet migrate (baseline binary)"}[meth]
                rows.append([name, f"{len(x)}", f"{med(dt):.2f}", fmt_range(dt, prec=2), f"{med(dc):.2f}",
                             f"{med(wall):.2f}", fmt_range(wall, prec=2)])
            print(table(["method", "valid runs", "downtime s", "min-max", "downtime s (calls.log)",
                         "wall s", "wall min-max"], rows))
            if "manual" in m and "bmfleet" in m and m["manual"]["dt"] and m["bmfleet"]["dt"] == m["bmfleet"]["dt"]:
                r = m["bmfleet"]["dt"] / m["manual"]["dt"]
                rc = m["bmfleet"]["dc"] / m["manual"]["dc"]
                print(f"\nratio bmfleet / by hand, downtime: {r:.3f}x (1/{1 / r:.1f}); by calls.log: {rc:.3f}x;"
                      f" wall: {m['bmfleet']['wall'] / m['manual']['wall']:.3f}x")
                note = "" if pairs == 1 else f" (the issue states it for one pair; here {pairs} pairs at once share the machine)"
                print(f"target (issue 5): bmfleet downtime <= 1/4 of by hand: {r:.3f}x -> {verdict(r <= 0.25)}{note}")
                if rs[0].get("size") == "large":
                    print(f"target (issue 16, large tenant): bmfleet downtime <= 1/8 of by hand: {r:.3f}x -> {verdict(r <= 0.125)}")
                if "bmfleet-base" in m and m["bmfleet-base"]["dt"]:
                    print(f"ratio bmfleet / baseline binary, downtime: {m['bmfleet']['dt'] / m['bmfleet-base']['dt']:.3f}x")
            breakdown_table(good, methods)
        else:
            rows = []
            for meth in ("manual", "bmfleet"):
                x = [r for r in good if r["method"] == meth]
                wall = [r["wall_s"] for r in x]
                dt = [d for r in x for d in r["downtime_s"]]
                m[meth] = med(wall)
                name = f"by hand, {pairs} pairs in parallel" if meth == "manual" else "bmfleet trust+hot-sync+migrate"
                rows.append([name, f"{len(x)}", f"{med(wall):.2f}", fmt_range(wall, prec=2), f"{med(dt):.2f}"])
            print(table(["method", "valid runs", "wall s", "min-max", "per-pair downtime s (median)"], rows))
            r = m["bmfleet"] / m["manual"]
            print(f"\nratio bmfleet / by hand, wall time: {r:.3f}x")
            print(f"target (issue 5): bmfleet faster end to end: {verdict(r < 1)}")
    if invalid:
        print(f"\n{invalid} invalid run(s) in all (verify failed or a command failed): see the log above")


def breakdown_table(good, methods):
    """Medians of each part of the downtime per method, and the prediction of `status`."""
    if not any(r.get("breakdown") for r in good):
        return
    rows = []
    for part in ["stop"] + PARTS:
        row, seen = [part], False
        for meth in methods:
            v = [r["breakdown"][part] for r in good if r["method"] == meth and part in r.get("breakdown", {})]
            seen |= bool(v)
            row.append(f"{med(v):.2f} ({fmt_range(v, prec=1)})" if v else "-")
        if seen:
            rows.append(row)
    print("\nwhere the downtime goes, s, medians (min-max); bmfleet's parts overlap (each is the span of its steps),"
          " by hand they follow one another:")
    print(table(["part"] + methods, rows))
    for meth in methods:
        pr = [(r["predicted_s"], r["downtime_s"][0]) for r in good if r["method"] == meth and r.get("predicted_s")]
        if pr:
            errs = [p / d - 1 for p, d in pr]
            print(f"{meth}: `status` predicted {', '.join('%.1f' % p for p, _ in pr)} s for measured "
                  f"{', '.join('%.1f' % d for _, d in pr)} s: error {', '.join('%+.0f%%' % (100 * e) for e in errs)}"
                  f" (target +-25%: {verdict(all(abs(e) <= 0.25 for e in errs))})")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "check-bmfleet-fanout":
        check_bmfleet_fanout(args[0], int(args[1]), int(args[2]))
    elif cmd == "check-ansible":
        check_ansible(args[0], int(args[1]), int(args[2]))
    elif cmd == "check-pyinfra":
        check_pyinfra(args[0], int(args[1]), int(args[2]))
    elif cmd == "check-lines":
        check_lines(args[0], int(args[1]), int(args[2]))
    elif cmd == "sshd-cpu":
        sshd_cpu(args)
    elif cmd == "fanout":
        fanout(args[0])
    elif cmd == "scaling":
        scaling(args[0])
    elif cmd == "bmfleet-downtime":
        bmfleet_downtime(args[0])
    elif cmd == "bmfleet-breakdown":
        bmfleet_breakdown(*args)
    elif cmd == "manual-breakdown":
        manual_breakdown(*args)
    elif cmd == "calls-downtime":
        calls_downtime(*args)
    elif cmd == "downtime":
        downtime(args[0])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Run one command and measure it: wall time and the controller's memory.

    measure.py [--out FILE] [--stdout FILE] [--stderr FILE] [--label L] [--tag KEY=VALUE]... -- CMD ARGS...

Prints (or appends to --out) one JSON line:
  {KEY: VALUE..., "label", "rc", "wall_s", "main_maxrss_kib", "cpu_s", "tree_peak_rss_kib", "tree_peak_procs", "samples"}

- wall_s: monotonic time from spawning CMD until CMD itself exits (a thread blocks in wait4,
  so the end is exact, not rounded to a sampling period).
- main_maxrss_kib: GNU time's %M (Debian package `time`, which runs CMD): ru_maxrss of CMD's
  process, or of the largest of the children it waited for (the kernel reports the max, never a
  sum). CMD is started by the small `time` process, not by python: ru_maxrss survives exec, so a
  python parent's own RSS would otherwise be counted as CMD's.
- cpu_s: GNU time's %U + %S: CPU time of CMD and of the children it waited for (daemons that
  detach are not counted).
- tree_peak_rss_kib: CMD and every process it started, daemons included (ssh ControlPersist
  masters detach with setsid, but stay in the cgroup): CMD runs in its own cgroup (v1 `pids`
  controller, or v2), which a second thread reads every 20 ms, summing VmRSS of its members; the
  peak of that sum. Shared pages (fork's copy-on-write, shared libraries) count once per process,
  so for multi-process tools it over-counts; for a single process it equals its RSS.
After CMD exits, processes it left in its cgroup (ssh masters) get SIGTERM, then SIGKILL.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time

PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
SAMPLE_S = 0.02


def cgroup_base():
    for base in ("/sys/fs/cgroup/pids", "/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
        if os.path.exists(os.path.join(base, "cgroup.procs")):
            return base
    sys.exit("measure.py: no writable cgroup hierarchy (pids v1 or v2) found")


def members(cg):
    try:
        with open(os.path.join(cg, "cgroup.procs")) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0


def main():
    args = sys.argv[1:]
    out = stdout = stderr = None
    label = ""
    tags = {}
    while args and args[0] != "--":
        opt = args.pop(0)
        if opt == "--out":
            out = args.pop(0)
        elif opt == "--stdout":
            stdout = args.pop(0)
        elif opt == "--stderr":
            stderr = args.pop(0)
        elif opt == "--label":
            label = args.pop(0)
        elif opt == "--tag":
            k, _, v = args.pop(0).partition("=")
            tags[k] = int(v) if v.lstrip("-").isdigit() else v
        else:
            sys.exit(f"measure.py: unknown option {opt}")
    if not args or len(args) < 2:
        sys.exit("usage: measure.py [--out FILE] [--stdout FILE] [--stderr FILE] [--label L] -- CMD ARGS...")
    cmd = args[1:]

    cg = os.path.join(cgroup_base(), f"bmfleet-bench-{os.getpid()}")
    os.makedirs(cg, exist_ok=True)
    procs_file = os.path.join(cg, "cgroup.procs")

    def enter_cgroup():
        with open(procs_file, "w") as f:
            f.write(str(os.getpid()))

    peak = {"rss": 0, "procs": 0, "samples": 0}
    done = threading.Event()

    def sampler():
        while not done.is_set():
            pids = [p for p in members(cg) if p != proc.pid]  # not `time` itself
            total = sum(rss_kib(p) for p in pids)
            peak["samples"] += 1
            if total > peak["rss"]:
                peak["rss"] = total
            if len(pids) > peak["procs"]:
                peak["procs"] = len(pids)
            done.wait(SAMPLE_S)

    sink = open(stdout, "wb") if stdout else subprocess.DEVNULL
    errsink = open(stderr, "wb") if stderr else None
    maxrss_file = f"/tmp/bmfleet-bench-measure-{os.getpid()}.maxrss"
    cmd = ["/usr/bin/time", "-q", "-f", "%M %U %S", "-o", maxrss_file, "--"] + cmd
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=sink, stderr=errsink, stdin=subprocess.DEVNULL, preexec_fn=enter_cgroup)
    th = threading.Thread(target=sampler, daemon=True)
    th.start()
    _, status, _ = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = 0  # reaped by wait4 already: keep Popen from waiting again
    done.set()
    th.join()
    rc = os.waitstatus_to_exitcode(status)
    try:
        with open(maxrss_file) as f:
            last = f.read().splitlines()[-1].split()
        main_maxrss, cpu = int(last[0]), float(last[1]) + float(last[2])
        os.unlink(maxrss_file)
    except (OSError, ValueError, IndexError):
        main_maxrss, cpu = 0, 0.0

    # whatever CMD left behind (ssh ControlPersist masters...): TERM, then KILL
    deadline = time.monotonic() + 3
    sig = signal.SIGTERM
    while True:
        left = members(cg)
        if not left:
            break
        if time.monotonic() > deadline:
            sig = signal.SIGKILL
        for p in left:
            try:
                os.kill(p, sig)
            except ProcessLookupError:
                pass
        time.sleep(0.05)
        try:  # reap the ones that were re-parented to us (none usually: init adopts them)
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass
    for _ in range(50):
        try:
            os.rmdir(cg)
            break
        except OSError:
            time.sleep(0.05)

    rec = {
        **tags,
        "label": label,
        "rc": rc,
        "wall_s": round(wall, 4),
        "main_maxrss_kib": main_maxrss,
        "cpu_s": round(cpu, 3),
        "tree_peak_rss_kib": max(peak["rss"], main_maxrss),
        "tree_peak_procs": peak["procs"],
        "samples": peak["samples"],
    }
    line = json.dumps(rec)
    if out:
        with open(out, "a") as f:
            f.write(line + "\n")
    print(line)
    sys.exit(0)


if __name__ == "__main__":
    main()

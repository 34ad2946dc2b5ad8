# bmfleet's step runner on a host: started once per connection, it runs every step of the
# connection without a new SSH session each time (the cost that dominates fan-out).
# It is sent on stdin and runs from memory; nothing is installed. Protocol, both ways on the
# channel, one ASCII header line per frame, then the frame's bytes:
#   bmfleet -> host:  S <id> <n>\n<n bytes of script>   start a step
#                     K <id>\n                            stop it (TERM its process group, KILL 5 s later)
#                     H\n                                 heartbeat
#   host -> bmfleet:  R\n                                 ready
#                     O <id> <n>\n<n bytes>  /  E ...     a chunk of the step's stdout / stderr
#                     X <id> <code>\n                     the step ended (negative: killed by that signal)
# Each step runs as `bash` in a session of its own with `set -eo pipefail`, its script on a
# pipe, never on a command line. If stdin ends or stays silent for TIMEOUT seconds (three missed
# heartbeats: bmfleet or the network is gone), every running step is stopped and the runner exits.
import os, select, signal, subprocess, sys, time

TIMEOUT = float(sys.argv[1]) if len(sys.argv) > 1 else 35.0
WRAP = 'IFS= read -r -d "" s || exit 125; exec </dev/null; set -eo pipefail; eval "$s"'
DRAIN = 2.0

out = sys.stdout.buffer


def send(header, data=b""):
    out.write(header.encode() + b"\n" + data)
    out.flush()


steps = {}    # id -> [popen, {fd: tag}, exited_at or None]
kills = []    # (when, pgid) pending SIGKILLs
inbuf = b""
last_input = time.monotonic()


def stop(pid):
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    kills.append((time.monotonic() + 5.0, pid))


def start(sid, script):
    p = subprocess.Popen(["bash", "-c", WRAP], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True, close_fds=True)
    try:
        p.stdin.write(script + b"\0")
        p.stdin.close()
    except BrokenPipeError:
        pass
    # fd -> (tag, file object); closing goes through the file objects, never the raw fds (a
    # raw close would let a later pipe reuse the number, and the object close it again).
    steps[sid] = [p, {p.stdout.fileno(): ("O", p.stdout), p.stderr.fileno(): ("E", p.stderr)}, None]


def finish(sid):
    p, fds, _ = steps.pop(sid)
    for _, pipe in fds.values():
        pipe.close()
    code = p.wait()
    send("X %s %d" % (sid, code))


# A step's end wakes the loop at once: SIGCHLD writes to a pipe that select watches.
wake_r, wake_w = os.pipe()
os.set_blocking(wake_w, False)
signal.set_wakeup_fd(wake_w)
signal.signal(signal.SIGCHLD, lambda *_: None)

send("R")
while True:
    now = time.monotonic()
    for when, pid in [k for k in kills if k[0] <= now]:
        kills.remove((when, pid))
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for sid, (p, fds, exited) in list(steps.items()):
        if exited is None and p.poll() is not None:
            steps[sid][2] = now
        if steps[sid][2] is not None and (not fds or now - steps[sid][2] > DRAIN):
            finish(sid)
    watched = [0, wake_r] + [fd for _, fds, _ in steps.values() for fd in fds]
    ready, _, _ = select.select(watched, [], [], 0.5)
    for fd in ready:
        if fd == wake_r:
            os.read(wake_r, 4096)
            continue
        if fd == 0:
            data = os.read(0, 65536)
            if not data:
                inbuf = None
                break
            last_input = time.monotonic()
            inbuf += data
            continue
        for sid, (p, fds, _) in list(steps.items()):
            if fd in fds:
                chunk = os.read(fd, 65536)
                if chunk:
                    send("%s %s %d" % (fds[fd][0], sid, len(chunk)), chunk)
                else:
                    fds.pop(fd)[1].close()
                break
    if inbuf is None or time.monotonic() - last_input > TIMEOUT:
        for p, _, _ in steps.values():
            stop(p.pid)
        if steps:
            time.sleep(5.0)
        for p, _, _ in steps.values():
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        sys.exit(0)
    while b"\n" in inbuf:
        line, rest = inbuf.split(b"\n", 1)
        words = line.decode().split()
        if not words:
            inbuf = rest
        elif words[0] == "S":
            n = int(words[2])
            if len(rest) < n:
                break
            start(words[1], rest[:n])
            inbuf = rest[n:]
        else:
            if words[0] == "K" and words[1] in steps:
                stop(steps[words[1]][0].pid)
            inbuf = rest

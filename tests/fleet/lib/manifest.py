#!/usr/bin/python3
"""Describe what a simulated BlueMind host holds, as JSON on stdout. Runs INSIDE the host (verify
calls it through `fleet exec`).

  manifest.py [--auth] [--no-db] [--no-files]

files: for the seven synced spools and every configuration file of the procedure, one entry per path:
  type (f d l p s c b), mode (octal, with setuid/setgid/sticky), uid, gid (as names: this host's account names), size (files, symlinks),
  sha256 (files), target (symlinks), link (hard links: the first path, in sorted order, of the
  paths of that group that share the inode).
db: for bj and bj-data: a normalised schema-only dump, for every table its rows (COPY text format,
  sorted) and for every sequence (last_value, is_called).
auth (--auth): whether the user/password of /etc/bm/bm.ini authenticate on 127.0.0.1:5432.
Paths are str with surrogateescape (JSON \\udcXX for undecodable bytes); newlines are fine.
"""
PROG = "manifest"
import argparse
import glob
import hashlib
import json
import grp
import os
import pwd
import stat
import subprocess
import sys

SPOOLS = ["/var/spool/cyrus", "/var/lib/cyrus", "/var/spool/bm-hsm", "/var/spool/sieve",
          "/var/spool/bm-elasticsearch", "/var/spool/bm-docs", "/var/spool/bm-filehosting"]
# The procedure's files, widened as BlueMind's own configuration backup is
# (protectConfigurationFiles.sh: every /etc/bm*, the whole /etc/postfix) and with the per-domain
# certificates nginx serves (configure-nginx.sh: /etc/ssl/certs/bm_cert-<domain>.pem).
CONFIG_TREES = ["/etc/bm", "/etc/bm-hps", "/var/lib/bm-ca", "/etc/bm-webmail", "/etc/postfix"]
CONFIG_FILES = ["/etc/ssl/certs/bm_cert.pem", "/usr/share/bm-elasticsearch/config/elasticsearch.yml"]
CONFIG_GLOBS = ["/etc/imapd*", "/etc/cyrus*", "/etc/ssl/certs/bm_cert-*.pem"]
DATABASES = ["bj", "bj-data"]

TYPES = [(stat.S_ISREG, "f"), (stat.S_ISDIR, "d"), (stat.S_ISLNK, "l"), (stat.S_ISFIFO, "p"),
         (stat.S_ISSOCK, "s"), (stat.S_ISCHR, "c"), (stat.S_ISBLK, "b")]



def _name_of(lookup, field, n, cache):
    """The account name of id n (lookup: pwd.getpwuid or grp.getgrgid), "#n" when it has none."""
    if n not in cache:
        try:
            cache[n] = getattr(lookup(n), field)
        except KeyError:
            cache[n] = f"#{n}"
    return cache[n]


def owner(uid, _cache={}):
    return _name_of(pwd.getpwuid, "pw_name", uid, _cache)


def group(gid, _cache={}):
    return _name_of(grp.getgrgid, "gr_name", gid, _cache)

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def entry(path, st):
    t = next(c for test, c in TYPES if test(st.st_mode))
    # owners by name: system accounts get dynamic ids, and the procedure's rsync -avH maps owners
    # by name, so the same data on two hosts has the same names, not always the same numbers
    e = {"type": t, "mode": "%04o" % stat.S_IMODE(st.st_mode), "uid": owner(st.st_uid), "gid": group(st.st_gid)}
    if t == "f":
        e["size"] = st.st_size
        e["sha256"] = sha256(path)
    elif t == "l":
        e["target"] = os.readlink(path)
        e["size"] = st.st_size
    elif t in ("c", "b"):
        e["rdev"] = st.st_rdev
    return e


def walk(root, key_prefix):
    """Entries of a tree, keyed by key_prefix + path relative to root ('.' for the root)."""
    out, inodes = {}, {}

    def add(path, key):
        st = os.lstat(path)
        out[key] = entry(path, st)
        if not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1:
            inodes.setdefault((st.st_dev, st.st_ino), []).append(key)

    if not os.path.lexists(root):
        return None
    add(root, key_prefix + ".")
    if os.path.isdir(root) and not os.path.islink(root):
        for d, dirs, files in os.walk(root):
            rel = os.path.relpath(d, root)
            for name in dirs + files:
                p = os.path.join(d, name)
                add(p, key_prefix + (name if rel == "." else os.path.join(rel, name)))
    for keys in inodes.values():
        keys.sort()
        for k in keys:
            out[k]["link"] = keys[0]
    return out


def config_entries():
    out, inodes = {}, {}
    for t in CONFIG_TREES:
        w = walk(t, t + "/")
        if w:
            out.update(w)
    paths = list(CONFIG_FILES)
    for g in CONFIG_GLOBS:
        paths += sorted(glob.glob(g))
    for p in paths:
        if os.path.lexists(p):
            st = os.lstat(p)
            out[p] = entry(p, st)
    # hard-link groups across the configuration set
    for k, e in out.items():
        e.pop("link", None)
    for k in sorted(out):
        path = k[:-2] if k.endswith("/.") else k
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode) and st.st_nlink > 1:
            inodes.setdefault((st.st_dev, st.st_ino), []).append(k)
    for keys in inodes.values():
        if len(keys) > 1:
            for k in keys:
                out[k]["link"] = keys[0]
    return out


def as_postgres(args, **kw):
    return subprocess.run(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups"] + args,
                          cwd="/", capture_output=True, **kw)


def psql(db, sql):
    p = as_postgres(["psql", "-X", "-w", "-At", "-v", "ON_ERROR_STOP=1", "-h", "/run/postgresql", "-d", db],
                    input=sql.encode())
    if p.returncode != 0:
        raise RuntimeError(p.stderr.decode(errors="replace").strip() or f"psql exit {p.returncode}")
    return p.stdout.decode("utf-8", errors="surrogateescape")


def qi(name):
    return '"' + name.replace('"', '""') + '"'


KEEP_ROWS = 20_000


def table_digest(db, copy):
    """A table's rows through COPY (text format: one row per line, newlines escaped): their count,
    an order-independent digest, and the rows themselves while they are few."""
    p = subprocess.Popen(["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "psql", "-X", "-w",
                          "-At", "-v", "ON_ERROR_STOP=1", "-h", "/run/postgresql", "-d", db, "-c", copy],
                         cwd="/", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    total, count, rows = 0, 0, []
    for raw in p.stdout:
        line = raw[:-1] if raw.endswith(b"\n") else raw
        total += int.from_bytes(hashlib.sha256(line).digest(), "big")
        count += 1
        if count <= KEEP_ROWS:
            rows.append(line.decode("utf-8", errors="surrogateescape"))
    err = p.stderr.read()
    if p.wait() != 0:
        raise RuntimeError(err.decode(errors="replace").strip() or f"psql exit {p.returncode}")
    if count > KEEP_ROWS:
        rows = []
    return {"count": count, "sha256": f"{total % (1 << 256):064x}", "rows": rows}


def db_summary(db):
    res = {}
    dump = as_postgres(["pg_dump", "-w", "--schema-only", "-h", "/run/postgresql", "-d", db])
    if dump.returncode != 0:
        raise RuntimeError(dump.stderr.decode(errors="replace").strip())
    lines = []
    for line in dump.stdout.decode("utf-8", errors="surrogateescape").splitlines():
        if not line.strip() or line.startswith("--") or line.startswith("\\restrict") or line.startswith("\\unrestrict"):
            continue
        lines.append(line)
    res["schema"] = lines
    # owner, encoding, locale (BlueMind's databases are in en_US.UTF-8, the cluster's template0
    # may not be: lib/caches.sh) and the database-level settings (a plain dump carries none)
    res["owner"] = psql("postgres", "SELECT pg_get_userbyid(datdba) || ' ' || pg_encoding_to_char(encoding) || ' ' || "
                                    "datcollate || '/' || datctype || ' ' || "
                                    "coalesce((SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting s "
                                    "WHERE s.setdatabase = d.oid AND s.setrole = 0), '') "
                                    f"FROM pg_database d WHERE datname = '{db}'").strip()
    rels = psql(db, "SELECT c.relkind, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind IN ('r', 'p', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                    "AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 2, 3")
    # Each table streamed through its own COPY, its rows hashed one by one and the hashes summed
    # (mod 2**256): the same rows in any order give the same digest, and no table is ever held
    # whole (held whole and sorted, a 2 GB bj-data took 11 GB per host and the OOM killer ended
    # verify). A table's rows are kept for the report of what differs up to KEEP_ROWS only.
    tables, seqs = {}, {}
    for line in rels.splitlines():
        kind, nsp, name = line.split("|", 2)
        full = f"{nsp}.{name}"
        if kind == "S":
            seqs[full] = psql(db, f"SELECT last_value || ' ' || is_called FROM {qi(nsp)}.{qi(name)};").strip()
        elif full == "public.t_domain":
            # OPENID_CLIENT_SECRET is the secret of the client of the server's own Keycloak: a
            # migrated target keeps its own (BlueMind's clone restore, RestoreDomains.java
            # tweakKeycloakProps) and the realm repair makes new ones (KeycloakHelper.java)
            tables[full] = table_digest(db, "COPY (SELECT id, name, label, aliases, properties - 'OPENID_CLIENT_SECRET'::text "
                                            "FROM public.t_domain) TO STDOUT;")
        else:
            tables[full] = table_digest(db, f"COPY {qi(nsp)}.{qi(name)} TO STDOUT;")
    res["tables"] = tables
    res["sequences"] = seqs
    return res


def auth_check():
    conf = {}
    try:
        with open("/etc/bm/bm.ini") as f:
            for line in f:
                if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
                    k, v = line.split("=", 1)
                    conf[k.strip()] = v.strip().strip('"').strip("'")
    except OSError as e:
        return {"ok": False, "detail": f"cannot read /etc/bm/bm.ini: {e}"}
    user = conf.get("user") or conf.get("login") or "bj"
    db = conf.get("db") or "bj"
    env = dict(os.environ, PGPASSWORD=conf.get("password", ""), PGCONNECT_TIMEOUT="5")
    results = []
    for d in (db, "bj-data"):
        p = subprocess.run(["psql", "-X", "-w", "-At", "-h", "127.0.0.1", "-p", "5432", "-U", user, "-d", d,
                            "-c", "SELECT current_user"], env=env, capture_output=True, text=True, cwd="/")
        if p.returncode != 0 or p.stdout.strip() != user:
            return {"ok": False, "user": user,
                    "detail": f"bm.ini user {user!r} with its password cannot log into {d!r} on 127.0.0.1:5432: "
                              f"{p.stderr.strip() or p.stdout.strip()}"}
        results.append(d)
    return {"ok": True, "user": user, "detail": f"{user} authenticates on {', '.join(results)}"}


def main():
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--auth", action="store_true")
    ap.add_argument("--no-db", action="store_true")
    ap.add_argument("--no-files", action="store_true")
    a = ap.parse_args()
    out = {"host": os.uname().nodename}
    if not a.no_files:
        files = {}
        for root in SPOOLS:
            w = walk(root, "")
            files[root] = {"missing": w is None, "entries": w or {}}
        files["config"] = {"missing": False, "entries": config_entries()}
        out["files"] = files
    if not a.no_db:
        dbs = {}
        for db in DATABASES:
            try:
                dbs[db] = db_summary(db)
            except (RuntimeError, subprocess.SubprocessError, OSError) as e:
                dbs[db] = {"error": str(e)}
        out["db"] = dbs
    if a.auth:
        out["auth"] = auth_check()
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

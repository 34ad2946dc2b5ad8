#!/usr/bin/python3
"""Generate the BlueMind-like configuration files of one simulated host.

Usage:
  gen_host.py config HOSTDIR        write every configuration file of the procedure under HOSTDIR
                                    (etc/, bm-ca/, es/) plus fresh-bj.sql / fresh-bj-data.sql
  gen_host.py set-ini FILE KEY VAL  set KEY=VAL in the [global] section of a bm.ini-like file

HOSTDIR/host.conf holds shell assignments (HOST_NAME, ROLE, PAIR, IP, BM_VERSION, EXTERNAL_URL,
DB_PASSWORD, BM_TOKEN, ...). Content is random per host: an origin and its target get the same file
names but different content, like two independent installations.
"""
import datetime
import hashlib
import json
import os
import secrets
import shlex
import subprocess
import sys
import uuid

UID_CYRUS = 930
GID_MAIL = 8


def read_conf(hostdir):
    conf = {}
    with open(os.path.join(hostdir, "host.conf")) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            tok = shlex.split(line)
            if len(tok) != 1 or "=" not in tok[0]:
                continue
            k, v = tok[0].split("=", 1)
            conf[k] = v
    return conf


def write(path, content, mode=0o644, uid=0, gid=0):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = content.encode() if isinstance(content, str) else content
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    os.chown(path, uid, gid)


def openssl_cert(cn, days=3650):
    """A real self-signed EC certificate and its key (fast: P-256)."""
    out = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-subj", "/CN=" + cn, "-days", str(days), "-keyout", "/dev/stdout",
         "-out", "/dev/stdout"],
        check=True, capture_output=True)
    text = out.stdout.decode()
    key = text[text.index("-----BEGIN PRIVATE KEY-----"):text.index("-----END PRIVATE KEY-----") + 26]
    cert = text[text.index("-----BEGIN CERTIFICATE-----"):text.index("-----END CERTIFICATE-----") + 26]
    return cert, key


def pseudo_db(flat_text):
    """Stand-in for a postmap Berkeley DB hash file: binary, derived from the flat map + noise."""
    head = b"\x00\x06\x15\x61" + b"\x00" * 8 + hashlib.sha256(flat_text.encode()).digest()
    body = bytearray()
    for line in flat_text.splitlines():
        if line.strip() and not line.startswith("#"):
            k, _, v = line.partition(" ")
            body += len(k).to_bytes(2, "little") + k.encode() + b"\x00" + v.strip().encode() + b"\x00"
    return head + bytes(body) + secrets.token_bytes(64)


def gen_config(hostdir):
    c = read_conf(hostdir)
    name = c["HOST_NAME"]          # e.g. bm-o01
    ip = c["IP"]
    pair = c["PAIR"]
    ext = c["EXTERNAL_URL"]
    version = c["BM_VERSION"]
    domain = c.get("MAIL_DOMAIN", pair + ".example")
    etc = os.path.join(hostdir, "etc")
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    server_uid = "bm-master"
    install_uuid = str(uuid.uuid4())

    # /etc/bm
    write(f"{etc}/bm/bm.ini",
          "[global]\n"
          f"external-url={ext}\n"
          # the server's own routable address: the database and core host BlueMind's clients use
          # (CliContext.java: http://<host>:8090; BlueMind pushes bm.ini to its other nodes)
          f"host={ip}\n"
          f"hz-member-address={ip}\n"
          "db=bj\n"
          "user=bj\n"
          f"password={c['DB_PASSWORD']}\n"
          "dbtype=PGSQL\n")
    write(f"{etc}/bm/bm-core.tok", c["BM_TOKEN"] + "\n", 0o600)
    write(f"{etc}/bm/mcast.id", str(uuid.uuid4()) + "\n")
    write(f"{etc}/bm/nodeclient_keystore.jks", b"\xfe\xed\xfe\xed" + secrets.token_bytes(2300), 0o600)
    write(f"{etc}/bm/nodeclient_truststore.jks", b"\xfe\xed\xfe\xed" + secrets.token_bytes(1200))
    write(f"{etc}/bm/local/bm-core.ini",
          "# memory settings written by the installer\n"
          f"# host {name}\nheap_size_mb=1024\ndirect_mem_size_mb=512\n")
    write(f"{etc}/bm/default/bm-core.ini", "heap_size_mb=512\nexternal_url_check=true\n")
    write(f"{etc}/bm/bm-installation.json",
          json.dumps({"uuid": install_uuid, "version": version, "installedAt": now}, indent=2) + "\n")

    # /etc/bm-hps
    write(f"{etc}/bm-hps/bm-hps.ini",
          f"[hps]\nserver={ext}\nsession_secret={secrets.token_hex(24)}\nlisten=127.0.0.1:8079\n")
    write(f"{etc}/bm-hps/mcast.id", str(uuid.uuid4()) + "\n")
    write(f"{etc}/bm-hps/auth/krb5.keytab", b"\x05\x02" + secrets.token_bytes(180), 0o600)

    # certificates: /etc/ssl/certs/bm_cert.pem holds cert + key + CA; /var/lib/bm-ca the CA
    ca_cert, ca_key = openssl_cert(f"BlueMind CA {name} {secrets.token_hex(4)}")
    cert, key = openssl_cert(ext, days=825)
    write(f"{etc}/ssl/certs/bm_cert.pem", cert + key + ca_cert, 0o640, 0, 103)
    # a per-domain certificate (BlueMind >= 4.x of 2021: CertifEngine.java writes
    # /etc/ssl/certs/bm_cert-<domain uid>.pem, configure-nginx.sh serves it for the domain's names)
    dcert, dkey = openssl_cert("mail." + domain, days=825)
    write(f"{etc}/ssl/certs/bm_cert-{domain}.pem", dcert + dkey + ca_cert, 0o640, 0, 103)
    bmca = os.path.join(hostdir, "bm-ca")
    write(f"{bmca}/cacert.pem", ca_cert)
    write(f"{bmca}/private/cakey.pem", ca_key, 0o600)
    os.chmod(f"{bmca}/private", 0o700)
    write(f"{bmca}/index.txt", f"V\t330101000000Z\t\t01\tunknown\t/CN={ext}\n")
    write(f"{bmca}/index.txt.attr", "unique_subject = no\n")
    write(f"{bmca}/serial", "02\n")
    write(f"{bmca}/newcerts/01.pem", cert)
    write(f"{bmca}/ca.cnf", f"[ ca ]\ndefault_ca = bm\n[ bm ]\ndir = /var/lib/bm-ca\n"
          f"certificate = $dir/cacert.pem\nprivate_key = $dir/private/cakey.pem\n")

    # elasticsearch
    write(os.path.join(hostdir, "es/config/elasticsearch.yml"),
          f"cluster.name: bluemind-{secrets.token_hex(8)}\n"
          f"node.name: {name}\n"
          "path.data: /var/spool/bm-elasticsearch/data\n"
          "path.repo: /var/spool/bm-elasticsearch/repo\n"
          "network.host: 127.0.0.1\n"
          "http.port: 9200\n"
          "discovery.type: single-node\n")

    # cyrus
    write(f"{etc}/imapd.conf",
          f"configdirectory: /var/lib/cyrus\n"
          f"defaultpartition: bm-master__{domain.replace('.', '_')}\n"
          f"partition-bm-master__{domain.replace('.', '_')}: /var/spool/cyrus/data/bm-master__{domain.replace('.', '_')}\n"
          f"metapartition-bm-master__{domain.replace('.', '_')}: /var/spool/cyrus/meta/bm-master__{domain.replace('.', '_')}\n"
          "sievedir: /var/spool/sieve\n"
          f"servername: {name}\n"
          "virtdomains: userid\n"
          "unixhierarchysep: 1\n"
          f"proxy_password: {secrets.token_hex(12)}\n"
          "singleinstancestore: 1\n")
    write(f"{etc}/imapd.annotations.conf",
          "/vendor/blue-mind/replication/id,mailbox,string,backend,value.shared,admin\n")
    write(f"{etc}/cyrus.conf",
          "START {\n  recover cmd=\"ctl_cyrusdb -r\"\n}\nSERVICES {\n"
          f"  imap cmd=\"imapd -U 30\" listen=\"{ip}:1143\" prefork=0\n"
          "  lmtpunix cmd=\"lmtpd\" listen=\"/var/run/cyrus/socket/lmtp\" prefork=0\n}\n"
          "EVENTS {\n  checkpoint cmd=\"ctl_cyrusdb -c\" period=30\n}\n")
    write(f"{etc}/cyrus-partitions",
          f"bm-master__{domain.replace('.', '_')}\n")

    # postfix
    pf = f"{etc}/postfix"
    write(f"{pf}/main.cf",
          f"myhostname = {name}.{domain}\n"
          f"mydomain = {domain}\n"
          f"mynetworks = 127.0.0.0/8 {ip}/32\n"
          "inet_interfaces = all\n"
          "virtual_alias_maps = hash:/etc/postfix/virtual_alias\n"
          "virtual_mailbox_domains = hash:/etc/postfix/virtual_domains\n"
          "virtual_mailbox_maps = hash:/etc/postfix/virtual_mailbox\n"
          "transport_maps = hash:/etc/postfix/transport\n"
          "relay_transport = hash:/etc/postfix/master_relay_transport\n"
          "smtpd_milters = inet:127.0.0.1:2500\n"
          f"smtpd_tls_cert_file = /etc/ssl/certs/bm_cert.pem\n"
          "message_size_limit = 10240000\n")
    write(f"{pf}/master.cf",
          "smtp      inet  n       -       y       -       -       smtpd\n"
          "submission inet n       -       y       -       -       smtpd\n"
          "  -o smtpd_tls_security_level=encrypt\n"
          "lmtp      unix  -       -       y       -       -       lmtp\n")
    users = ["admin", "contact", "postmaster", secrets.token_hex(3)]
    maps = {
        "master_relay_transport": f"{domain} smtp:[{ip}]:25\n",
        "transport": "".join(f"{u}@{domain} lmtp:unix:/var/run/cyrus/socket/lmtp\n" for u in users),
        "virtual_alias": "".join(f"{u}@{domain} {u}@{domain}\n" for u in users),
        # as VirtualDomainsMap.java writes it (each domain, then its aliases), in the order the
        # core stand-in rebuilds it (by name)
        "virtual_domains": "".join(f"{d} OK\n" for d in sorted(["global.virt", domain])).replace(
            f"{domain} OK\n", f"{domain} OK\nmail.{domain} OK\n"),
        "virtual_mailbox": "".join(f"{u}@{domain} {u}@{domain}\n" for u in users),
    }
    # the relay's credentials (BlueMind's backup takes the whole /etc/postfix for such files)
    write(f"{pf}/sasl/sasl_passwd", f"[relay.{domain}]:587 bm:{secrets.token_hex(10)}\n", 0o600)
    for m, text in maps.items():
        write(f"{pf}/{m}-flat", text)
        write(f"{pf}/{m}.db", pseudo_db(text))

    # webmail
    write(f"{etc}/bm-webmail/config.inc.php",
          "<?php\n$config = array();\n"
          f"$config['des_key'] = '{secrets.token_hex(12)}';\n"
          f"$config['product_name'] = 'BlueMind {ext}';\n"
          "$config['imap_host'] = '127.0.0.1:1143';\n")
    write(f"{etc}/bm-webmail/nginx-webmail.conf",
          f"server {{\n  server_name {ext};\n  location /webmail/ {{ proxy_pass http://127.0.0.1:9090; }}\n}}\n")
    write(f"{etc}/bm-webmail/bm_webmail_version", version + "\n")

    # simulation state (not part of the procedure: never copied, never verified)
    sim = f"{etc}/bmfleet-sim"
    write(f"{sim}/bluemind.state", "running\n")
    write(f"{sim}/postfix.state", "running\n")
    for log in ("calls.log", "bm-cli.log", "api.log"):
        write(f"{sim}/{log}", "")
    # the system configuration lives in bj's t_systemconf (below), as in BlueMind (keys of
    # parent/system/net.bluemind.system.api/src/net/bluemind/system/api/SysConfKeys.java)

    # fresh-install rows, applied at every start from the template (differ per host)
    def q(s):
        return "'" + s.replace("'", "''") + "'"
    admin_key = secrets.token_hex(16)
    # the server's own Keycloak database (KeycloakServerHook.java: one per server), as the core
    # stand-in keeps it: a realm per domain and its client's secret
    kc_secrets = {"global.virt": secrets.token_hex(16), domain: secrets.token_hex(16)}
    write(f"{sim}/keycloak-realms.json", json.dumps(kc_secrets, indent=1, sort_keys=True), 0o600)
    bj = [
        "SET ROLE bj;",
        f"INSERT INTO t_installation (uuid, version, installed_at) VALUES ({q(install_uuid)}, {q(version)}, {q(now)});",
        f"INSERT INTO t_server (uid, ip, fqdn, name, tags) VALUES ({q(server_uid)}, {q(ip)}, {q(name + '.' + domain)}, "
        f"{q(name)}, '{{bm/core,bm/pgsql,bm/pgsql-data,mail/imap,mail/smtp,bm/es,bm/hps}}');",
        # each realm's client secret, in bj and in the server's own Keycloak (the core stand-in's
        # keycloak-realms.json below): KeycloakHelper.java stores the secret Keycloak made in the
        # domain's properties
        "INSERT INTO t_domain (name, label, aliases, properties) VALUES ('global.virt', 'global.virt', '{}', "
        f"hstore('OPENID_CLIENT_SECRET', {q(kc_secrets['global.virt'])}));",
        f"INSERT INTO t_domain (name, label, aliases, properties) VALUES ({q(domain)}, {q(domain)}, "
        f"ARRAY[{q('mail.' + domain)}], hstore(ARRAY['mail.routing.relay', 'OPENID_CLIENT_SECRET'], "
        f"ARRAY['', {q(kc_secrets[domain])}]));",
        "INSERT INTO t_directory_entry (domain_id, kind, entry_uid, display_name, email, data) VALUES "
        "(1, 'USER', 'admin0_global.virt', 'admin0', 'admin0@global.virt', '{\"roles\": [\"systemManagement\"]}');",
        f"INSERT INTO t_api_key (sid, display_name, subject, domain_uid) VALUES ({q(admin_key)}, 'bm-cli', 'admin0_global.virt', 'global.virt');",
    ]
    for k, v in [("external_url", ext), ("mynetworks", f"127.0.0.0/8 {ip}/32"), ("host", ip),
                 ("message_size_limit", "10240000"), ("installation-host", name)]:
        bj.append(f"INSERT INTO t_systemconf (key, value) VALUES ({q(k)}, {q(v)});")
    bj.append(f"SELECT setval('t_directory_version_seq', {secrets.randbelow(50) + 1});")
    data = [
        "SET ROLE bj;",
        f"INSERT INTO t_settings (key, value) VALUES ('installation', {q(install_uuid)});",
        f"INSERT INTO t_settings (key, value) VALUES ('server-fqdn', {q(name + '.' + domain)});",
        f"SELECT setval('t_container_item_version_seq', {secrets.randbelow(50) + 1});",
    ]
    write(os.path.join(hostdir, "fresh-bj.sql"), "\n".join(bj) + "\n")
    write(os.path.join(hostdir, "fresh-bj-data.sql"), "\n".join(data) + "\n")


def set_ini(path, key, value):
    with open(path) as f:
        lines = f.read().splitlines()
    out, done = [], False
    for line in lines:
        k = line.split("=", 1)[0].strip()
        if "=" in line and k == key and not done:
            out.append(f"{key}={value}")
            done = True
        else:
            out.append(line)
    if not done:
        out.append(f"{key}={value}")
    # rewrite in place: keeps the inode, mode and owner
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "config":
        gen_config(sys.argv[2])
    elif len(sys.argv) == 5 and sys.argv[1] == "set-ini":
        set_ini(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()

#!/bin/bash
# The mail profile of the bmfleet test fleet (`fleet up N --mail`, 4.x Cyrus era only): real Debian
# Postfix and Cyrus IMAP in an origin or target host, with BlueMind's paths. See tests/fleet/README.md
# "Mail profile". Installed as DIR/bin/bmfleet-mail (hosts do not see the checkout).
#   bmfleet-mail prepare HOSTDIR   (outside the host, before its first boot's snapshot) write the
#                                  host's Postfix and Cyrus configuration, maps and sasldb
#   bmfleet-mail boot              (inside) start Cyrus, create the users' mailboxes, start Postfix
#   bmfleet-mail cyrus start|stop|status
#   bmfleet-mail postfix start|stop|restart|reload|force-reload|status
# What BlueMind does and what is imitated here, with the source files (GitHub mirror
# mdhender/bluemindfork):
# - main.cf: parent/mailbackend/net.bluemind.backend.postfix/templates/main.cf (virtual_mailbox_domains,
#   virtual_mailbox_maps, virtual_alias_maps = hash:/etc/postfix/..., transport_maps = transport,
#   master_relay_transport; virtual_transport = error:). Not imitated: its milter (bm-milter,
#   inet:127.0.0.1:2500), the sender-access and recipient-canonical tcp tables (BlueMind core
#   services on 25250/25251), SASL and TLS: no BlueMind service answers them here.
# - master.cf: parent/mailbackend/net.bluemind.backend.postfix/templates/master.cf with ${chroot} = n.
# - maps: ServerMaps.writeFlatMaps() writes /etc/postfix/<map>-flat, templates/updateMaps.sh runs
#   `postmap <map>-flat` and moves <map>-flat.db to <map>.db, then `service postfix reload`. Rows:
#   generators/VirtualMailboxesMap.java "<mailbox> OK", VirtualAliasMap.java "<email> <recipients>",
#   TransportMap.java "<mailbox> lmtp:<the server's address>:2400" (mailbox = login@domain,
#   maps/MapRow.java), VirtualDomainsMap.java "<domain> OK".
# - LMTP on 2400: BlueMind 4.x's bm-lmtpd listens there and hands mail to Cyrus
#   (packaging/bm-node/ROOT/usr/share/bm-node/monitoring/services/bm-lmtpd_connection.sh: lmtptest
#   -p 2400). Not imitated: bm-lmtpd itself; Cyrus's lmtpd listens on 2400 directly.
# - Cyrus runs as bm-cyrus-imapd.service in 4.x (packaging/bm-conf/debian/postinst removeCyrus() of
#   5.x purges it). Its unit lives in the external bm-cyrus-imapd package (not in the mirror); the
#   fleet starts and stops it with bluemind.target, which is what the procedure's `bmctl stop`
#   before the final rsync relies on.
# - Users authenticate against BlueMind's directory (in bj) through the core: not imitated; a
#   sasldb in /var/lib/cyrus (a migrated spool, so it travels as the directory does) holds the test
#   users (login@domain) and the admin identity admin0 (BlueMind's global admin, admin0@global.virt).
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SIM=/etc/bmfleet-sim
CYRUS_PID=/run/cyrus-master.pid
IMAP_PORT=1143
LMTP_PORT=2400
# The test users of every mail tenant (login@<pair>.example, DIR/mail.conf MAIL_USERS); `team@`
# reaches them all at once (one message in many mailboxes: Cyrus's single-instance store
# hard-links it).

die() { echo "bmfleet-mail: $*" >&2; exit 1; }

alive() {
  local st
  { read -r st <"/proc/$1/stat"; } 2>/dev/null || return 1
  st=${st##*) }
  [[ ${st:0:1} != Z ]]
}

# ------------------------------------------------------------------------------------------------
# prepare (outside the host: writes into HOSTDIR before the fresh snapshot)

write_main_cf() {
  # $1 file, $2 host name, $3 domain, $4 address
  cat >"$1" <<EOF
# BlueMind's templates/main.cf (net.bluemind.backend.postfix), bmfleet test fleet values
smtpd_banner = \$myhostname ESMTP \$mail_name (BlueMind)
biff = no
compatibility_level = 2
append_dot_mydomain = no
myhostname = $2.$3
myorigin = \$myhostname
relayhost =
alias_maps =
alias_database =
local_recipient_maps =
mydestination = localhost, \$myhostname
mynetworks = 127.0.0.0/8 $4/32
message_size_limit = 10240000
mailbox_size_limit = 10240000
virtual_transport = error:mailbox does not exist
virtual_mailbox_domains = hash:/etc/postfix/virtual_domains
virtual_mailbox_maps = hash:/etc/postfix/virtual_mailbox
virtual_alias_maps = hash:/etc/postfix/virtual_alias
transport_maps = hash:/etc/postfix/transport, hash:/etc/postfix/master_relay_transport
recipient_delimiter = +
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
disable_vrfy_command = yes
smtputf8_enable = no
# --- bmfleet test fleet: no syslog in a host (postlogd writes the log), IPv4 only, no DNS
maillog_file = /var/log/postfix.log
inet_interfaces = all
inet_protocols = ipv4
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
lmtp_dns_support_level = disabled
EOF
}

write_master_cf() {
  # BlueMind's templates/master.cf services, ${chroot} = n (no chroot copies of /etc in a host)
  cat >"$1" <<'EOF'
# BlueMind's templates/master.cf (net.bluemind.backend.postfix), chroot n
smtp      inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# postmap a -flat map and move its .db into place, as BlueMind's templates/updateMaps.sh does
postmap_flat() {
  local map=$1
  postmap "hash:$map-flat"
  mv -f "$map-flat.db" "$map.db"
}

cmd_prepare() {
  local hd=$1 u pw admin_pw
  # shellcheck disable=SC1091
  source "$hd/host.conf"
  # shellcheck disable=SC1091
  source "$hd/../../mail.conf"
  pw=$MAIL_USER_PASSWORD admin_pw=$MAIL_ADMIN_PASSWORD
  read -ra MAIL_USERS <<<"$MAIL_USERS"
  local etc=$hd/etc pf=$hd/etc/postfix part=bm-master__${MAIL_DOMAIN//./_}
  local cyrus_uid
  cyrus_uid=$(awk -F: '$1 == "cyrus" {print $3}' "$etc/passwd")
  write_main_cf "$pf/main.cf" "$HOST_NAME" "$MAIL_DOMAIN" "$IP"
  write_master_cf "$pf/master.cf"
  : >"$pf/virtual_mailbox-flat"; : >"$pf/virtual_alias-flat"; : >"$pf/transport-flat"
  for u in "${MAIL_USERS[@]}"; do
    echo "$u@$MAIL_DOMAIN OK" >>"$pf/virtual_mailbox-flat"
    echo "$u@$MAIL_DOMAIN $u@$MAIL_DOMAIN" >>"$pf/virtual_alias-flat"
    echo "$u@$MAIL_DOMAIN lmtp:$IP:$LMTP_PORT" >>"$pf/transport-flat"
  done
  local team
  team=$(printf "%s@$MAIL_DOMAIN," "${MAIL_USERS[@]}")
  echo "team@$MAIL_DOMAIN ${team%,}" >>"$pf/virtual_alias-flat"
  echo "$MAIL_DOMAIN OK" >"$pf/virtual_domains-flat"
  # MasterRelayTransportMap.java: domains relayed to a master server; none on a single server
  : >"$pf/master_relay_transport-flat"
  # (their .db are made at boot, inside the host: postmap needs an interface that is up; the
  # stand-in .db files of gen_host.py go)
  rm -f "$pf"/*.db

  # Cyrus: gen_host.py's BlueMind paths, plus what a real Cyrus 3 needs to serve. The partition
  # keeps BlueMind's directory; its name loses the '-' and '_' of BlueMind's (bm-master__<domain>):
  # Debian's Cyrus 3.6 refuses them in a partition name (cyrmaster exits 78, EX_CONFIG).
  local pn=bmmaster${MAIL_DOMAIN//[!a-z0-9]/}
  sed -i -e "s/^defaultpartition: .*/defaultpartition: $pn/" -e "s/^partition-[^:]*:/partition-$pn:/" \
    -e "s/^metapartition-[^:]*:/metapartition-$pn:/" "$etc/imapd.conf"
  cat >>"$etc/imapd.conf" <<EOF
# --- bmfleet test fleet: real Cyrus (Debian cyrus-imapd)
admins: admin0
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: /var/lib/cyrus/sasldb2
sasl_mech_list: PLAIN LOGIN
hashimapspool: true
mailbox_legacy_dirs: yes
lmtp_downcase_rcpt: yes
EOF
  cat >"$etc/cyrus.conf" <<EOF
# bm-cyrus-imapd's services (BlueMind 4.x): IMAP behind BlueMind's proxy on $IMAP_PORT, LMTP where
# bm-lmtpd would listen ($LMTP_PORT, TransportMap.java); all addresses (the target takes the
# origin's at cutover)
START {
  recover cmd="ctl_cyrusdb -r"
}
SERVICES {
  imap cmd="imapd" listen="0.0.0.0:$IMAP_PORT" prefork=0
  lmtp cmd="lmtpd -a" listen="0.0.0.0:$LMTP_PORT" prefork=0
}
EVENTS {
  checkpoint cmd="ctl_cyrusdb -c" period=30
}
EOF
  local lc=$hd/lib-cyrus d
  for d in db lock proc socket log msg quota user sieve ptclient sync; do mkdir -p "$lc/$d"; done
  mkdir -p "$hd/spool/cyrus/data/$part" "$hd/spool/cyrus/meta/$part"
  chown -R "$cyrus_uid:8" "$lc" "$hd/spool/cyrus"
  # the users (realm = their domain) and admin0 (realm = the server name Cyrus gives SASL)
  for u in "${MAIL_USERS[@]}"; do
    printf '%s' "$pw" | saslpasswd2 -p -c -f "$lc/sasldb2" -u "$MAIL_DOMAIN" "$u"
  done
  printf '%s' "$admin_pw" | saslpasswd2 -p -c -f "$lc/sasldb2" -u "$HOST_NAME" admin0
  chown "$cyrus_uid:8" "$lc/sasldb2"; chmod 640 "$lc/sasldb2"
  # the marker of a mail host (stand-ins dispatch to the real daemons), with what boot needs
  (umask 077; printf 'domain=%s\nadmin_password=%s\nusers=%s\n' "$MAIL_DOMAIN" "$admin_pw" "${MAIL_USERS[*]}" >"$etc/bmfleet-sim/mail")
}

# ------------------------------------------------------------------------------------------------
# Cyrus (inside the host)

cyrus_pid() {
  local p
  [[ -f $CYRUS_PID ]] || return 0
  read -r p <"$CYRUS_PID" || return 0
  [[ -n $p ]] && alive "$p" && [[ $(cat "/proc/$p/comm" 2>/dev/null) == cyrmaster ]] && echo "$p"
  return 0
}

imap_answers() {
  /usr/bin/python3 -c 'import imaplib,sys; c=imaplib.IMAP4("127.0.0.1", int(sys.argv[1])); c.logout()' \
    "$IMAP_PORT" 2>/dev/null
}

cyrus_start() {
  [[ -n $(cyrus_pid) ]] && return 0
  mkdir -p /run/cyrus/socket
  chown -R cyrus:mail /run/cyrus
  # fd 9 may carry the systemctl stand-in's unit lock: the daemon must not inherit it
  /usr/sbin/cyrmaster -d -p "$CYRUS_PID" -C /etc/imapd.conf -M /etc/cyrus.conf </dev/null 9>&-
  for _ in $(seq 100); do
    [[ -n $(cyrus_pid) ]] && imap_answers && return 0
    sleep 0.05
  done
  die "Cyrus did not start (cyrmaster -d)"
}

cyrus_stop() {
  local p
  p=$(cyrus_pid)
  [[ -n $p ]] || { rm -f "$CYRUS_PID"; return 0; }
  kill -TERM "$p"
  for _ in $(seq 200); do
    alive "$p" || break
    sleep 0.05
  done
  alive "$p" && die "Cyrus (cyrmaster $p) did not stop"
  # its services too: nothing may write the spool once stopped
  local q
  for q in $(pgrep -u cyrus 2>/dev/null || true); do kill -TERM "$q" 2>/dev/null || true; done
  rm -f "$CYRUS_PID"
}

# ------------------------------------------------------------------------------------------------
# Postfix (inside the host): Debian's /etc/init.d/postfix semantics, the real daemon

postfix_cmd() {
  local st=0
  case $1 in
    start)
      postfix status >/dev/null 2>&1 || postfix start >/dev/null 2>&1 || st=$?
      [[ $st == 0 ]] && echo running >"$SIM/postfix.state"
      echo "Starting Postfix Mail Transport Agent: postfix.";;
    stop)
      if postfix status >/dev/null 2>&1; then postfix stop >/dev/null 2>&1 || st=$?; fi
      # `postfix stop` returns at once: wait until the master is gone, so stopped means stopped
      for _ in $(seq 200); do postfix status >/dev/null 2>&1 || break; sleep 0.05; done
      postfix status >/dev/null 2>&1 && st=1
      [[ $st == 0 ]] && echo stopped >"$SIM/postfix.state"
      echo "Stopping Postfix Mail Transport Agent: postfix.";;
    restart|force-reload)
      postfix_cmd stop >/dev/null; postfix_cmd start >/dev/null
      echo "Restarting Postfix Mail Transport Agent: postfix.";;
    reload)
      postfix reload >/dev/null 2>&1 || st=$?
      echo "Reloading Postfix configuration...done.";;
    status)
      if postfix status >/dev/null 2>&1; then echo "postfix is running."; else echo "postfix is not running."; st=3; fi;;
    *) echo "Usage: /etc/init.d/postfix {start|stop|restart|reload|force-reload|status}" >&2; st=1;;
  esac
  return $st
}

# ------------------------------------------------------------------------------------------------
# boot (inside the host, at its start and after `fleet reset`)

cmd_boot() {
  [[ -f $SIM/mail ]] || die "not a mail host ($SIM/mail missing)"
  mkdir -p /var/spool/postfix
  local m
  for m in virtual_mailbox virtual_alias transport virtual_domains master_relay_transport; do
    [[ -f /etc/postfix/$m.db ]] || postmap_flat "/etc/postfix/$m"
  done
  cyrus_start
  # the users' mailboxes, created by the admin as BlueMind's core does for a new user
  # shellcheck disable=SC2016
  /usr/bin/python3 - "$IMAP_PORT" <<'EOF'
import imaplib, sys
port = int(sys.argv[1])
conf = dict(l.split("=", 1) for l in open("/etc/bmfleet-sim/mail").read().split("\n") if "=" in l)
domain, users = conf["domain"], conf["users"].split()
c = imaplib.IMAP4("127.0.0.1", port)
c.login("admin0", conf["admin_password"])
for u in users:
    typ, data = c.create(f"user/{u}@{domain}")
    if typ != "OK" and b"exists" not in b" ".join(data).lower():
        sys.exit(f"cannot create the mailbox of {u}@{domain}: {data}")
c.logout()
EOF
  postfix_cmd start >/dev/null
}

case ${1:-} in
  prepare) [[ $# -eq 2 ]] || die "usage: bmfleet-mail prepare HOSTDIR"; cmd_prepare "$2";;
  boot) cmd_boot;;
  master-cf) write_master_cf /dev/stdout;;
  cyrus)
    case ${2:-} in
      start) cyrus_start;;
      stop) cyrus_stop;;
      status) [[ -n $(cyrus_pid) ]];;
      *) die "usage: bmfleet-mail cyrus start|stop|status";;
    esac;;
  postfix) shift; postfix_cmd "$@";;
  *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2;;
esac

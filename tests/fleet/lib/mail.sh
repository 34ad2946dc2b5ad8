# shellcheck shell=bash
# The mail profile of the test fleet, controller side (sourced by tests/fleet/fleet): `fleet up N
# --mail` makes every origin and target a mail host (real Postfix + Cyrus: lib/mail-host.sh) and
# adds the sender host (lib/sender-host.sh), the outside world that mails the tenants. See
# tests/fleet/README.md "Mail profile".

# the default version of a mail fleet: the profile is the Cyrus era's (4.x) only
MAIL_BM_VERSION=4.14.2

mail_check_version() {
  local v=${1#*:}
  [[ ${v%%.*} == 4 ]] || die "up --mail: the mail profile is BlueMind 4.x's (Cyrus); --bm-version $1 is not"
  for tool in postfix postmap saslpasswd2 /usr/sbin/cyrmaster /usr/lib/cyrus/bin/ctl_cyrusdb; do
    command -v "$tool" >/dev/null || die "up --mail: $tool missing (packages postfix, cyrus-imapd, sasl2-bin)"
  done
}

# DIR/mail.conf: the tenants' test password and the admin identity's (root only; tests read it)
mail_write_conf() {
  [[ -f $FLEET_DIR/mail.conf ]] && return 0
  (umask 077
   { printf 'MAIL_USER_PASSWORD=%q\n' "$(random_word 16)"
     printf 'MAIL_ADMIN_PASSWORD=%q\n' "$(random_word 20)"
     printf 'MAIL_USERS=%q\n' "u1 u2 u3 u4 u5 u6"
     printf 'MAIL_IMAP_PORT=1143\n'
     printf 'SENDER_IP=%q\n' "10.$NET2.0.250"; } >"$FLEET_DIR/mail.conf")
}

SENDER_NS() { echo "${NS_PREFIX}sender"; }

sender_pid() {
  local f=$FLEET_DIR/sender/holder.pid p
  [[ -f $f ]] || return 0
  read -r p <"$f" || true
  [[ -n $p && -d /proc/$p && /proc/$p/ns/net -ef /run/netns/$(SENDER_NS) ]] || return 0
  echo "$p"
}

# the sender's main.cf: a plain Internet MTA with retry times of seconds
sender_main_cf() {
  cat <<EOF
# bmfleet test fleet: the sender host, the outside world's mail server
compatibility_level = 3.6
myhostname = sender.example
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = all
inet_protocols = ipv4
mynetworks = 127.0.0.0/8 10.$NET2.0.0/16
smtpd_recipient_restrictions = permit_mynetworks, reject
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtputf8_enable = no
message_size_limit = 10240000
transport_maps = hash:/etc/postfix/transport
maillog_file = /var/log/postfix.log
# what is deferred is retried within seconds (Internet senders wait minutes, the test cannot)
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
smtp_connect_timeout = 2s
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
EOF
}

# the sender's transport: every mail tenant (pair) at its origin's address, which the cutover moves
sender_transport() {
  local i n=$1 a
  for ((i = 1; i <= n; i++)); do
    host_addr_v a o "$i"
    printf 'p%02d.example smtp:[%s]:25\n' "$i" "$a"
  done
}

sender_up() {
  local n=$1 sd=$FLEET_DIR/sender ns
  ns=$(SENDER_NS)
  if [[ -n $(sender_pid) ]]; then
    sender_transport "$n" >"$sd/postfix/transport"
    nsenter -t "$(sender_pid)" -m -n -u -i -- sh -c 'postmap hash:/etc/postfix/transport && postfix reload' >/dev/null 2>&1
    return 0
  fi
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$sd"
  mkdir -p "$sd"
  # the machine's Postfix files (postfix-files, dynamicmaps.cf...), then the sender's configuration
  cp -a /etc/postfix "$sd/postfix"
  # shellcheck disable=SC1091
  source "$FLEET_DIR/mail.conf"
  printf 'SENDER_IP=%q\n' "$SENDER_IP" >"$sd/sender.conf"
  sender_main_cf >"$sd/postfix/main.cf"
  bash "$FLEET_LIB/mail-host.sh" master-cf >"$sd/postfix/master.cf"
  sender_transport "$n" >"$sd/postfix/transport"
  printf 'netns add %s\nlink add %s type veth peer name eth0 netns %s\nlink set %s master %s up\n' \
    "$ns" "${VETH_PREFIX}snd" "$ns" "${VETH_PREFIX}snd" "$BRIDGE" | ip -batch -
  setsid ip netns exec "$ns" unshare --mount --uts --ipc --propagation private --fork \
    bash "$FLEET_LIB/sender-host.sh" "$FLEET_DIR" </dev/null >"$sd/init.log" 2>&1 7>&- 8>&- 6>&- &
  local k
  for ((k = 0; k < 200; k++)); do
    [[ -f $sd/ready ]] && return 0
    [[ -f $sd/failed ]] && break
    sleep 0.05
  done
  cat "$sd/failed" "$sd/init.log" >&2 2>/dev/null || true
  die "the sender host did not come up"
}

# reset: empty the sender's queue and log (between tests)
sender_reset() {
  local p
  p=$(sender_pid)
  [[ -n $p ]] || return 0
  nsenter -t "$p" -m -n -u -i -- sh -c 'postsuper -d ALL >/dev/null 2>&1; : >/var/log/postfix.log; postfix reload >/dev/null 2>&1' || true
}

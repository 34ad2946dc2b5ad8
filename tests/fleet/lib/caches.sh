# shellcheck shell=bash
# A full fleet's caches, sourced by tests/fleet/fleet: built once per fleet directory by `up` and
# copied by every host it starts (DIR/bin: the BlueMind stand-ins; DIR/cache/etc-base: the /etc of
# every full host; DIR/cache/pg-template: the initdb'd cluster with the schema; the light hosts'
# sshd_config). Separate from the hosts' life cycle because they are built from the machine, not
# per host, and refreshed in place (DIR/bin is bind-mounted into running hosts).

build_bin() {
  mkdir -p "$BIN_DIR.tmp"
  install -m 755 "$FLEET_HOME/sim/bmctl" "$FLEET_HOME/sim/bm-cli" "$FLEET_HOME/sim/bmfleet-sim" \
    "$FLEET_HOME/sim/bmfleet-core-sim" "$FLEET_HOME/sim/systemctl" "$FLEET_HOME/sim/postconf" "$BIN_DIR.tmp/"
  # Run inside hosts, which do not see the checkout (it may live under /tmp, theirs is their own).
  install -m 644 "$FLEET_LIB/profile.sh" "$BIN_DIR.tmp/fleet-profile.sh"
  install -m 755 "$FLEET_LIB/mail-host.sh" "$BIN_DIR.tmp/bmfleet-mail"
  if [[ -d $BIN_DIR ]]; then
    # refresh in place: hosts have the directory bind-mounted
    cp -f "$BIN_DIR.tmp"/* "$BIN_DIR/"
    rm -rf "$BIN_DIR.tmp"
  else
    mv "$BIN_DIR.tmp" "$BIN_DIR"
  fi
  chmod 755 "$BIN_DIR"
}

write_sshd_config() {
  # $1 = file, $2 = 1 to include a HostKey line (full hosts)
  {
    echo "# bmfleet test fleet host"
    echo "Port 22"
    echo "ListenAddress 0.0.0.0"
    [[ $2 == 1 ]] && echo "HostKey /etc/ssh/ssh_host_ed25519_key"
    cat <<'EOF'
PidFile /run/sshd.pid
PermitRootLogin prohibit-password
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
PrintMotd no
X11Forwarding no
MaxStartups 200:30:400
MaxSessions 10
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
  } >"$1"
  chmod 644 "$1"
}

build_etc_base() {
  local t=$CACHE_DIR/etc-base.tmp
  rm -rf "$t"
  cp -a /etc "$t"
  rm -f "$t"/ssh/ssh_host_*
  rm -rf "$t"/ssh/sshd_config.d "$t/netns"
  mkdir -p "$t/ssh/sshd_config.d"
  write_sshd_config "$t/ssh/sshd_config" 1
  # BlueMind system accounts. Their ids are dynamic on Debian/Ubuntu (adduser --system, addgroup
  # --system bluemind in the packages' postinst), so init-host.sh gives targets other ids than
  # origins: the migration must map owners by name, as the procedure's rsync -avH does.
  grep -q '^bluemind:' "$t/group" || echo 'bluemind:x:932:' >>"$t/group"
  # (the machine's own cyrus-imapd package, installed for the mail profile, made one with its own id)
  sed -i '/^cyrus:/d' "$t/passwd"
  echo 'cyrus:x:930:8:Cyrus Mailsystem User:/var/spool/cyrus:/usr/sbin/nologin' >>"$t/passwd"
  grep -q '^elasticsearch:' "$t/group" || echo 'elasticsearch:x:931:' >>"$t/group"
  grep -q '^elasticsearch:' "$t/passwd" || echo 'elasticsearch:x:931:931:Elasticsearch:/usr/share/bm-elasticsearch:/usr/sbin/nologin' >>"$t/passwd"
  grep -q '^cyrus:' "$t/shadow" || echo 'cyrus:*:19000:0:99999:7:::' >>"$t/shadow"
  grep -q '^elasticsearch:' "$t/shadow" || echo 'elasticsearch:*:19000:0:99999:7:::' >>"$t/shadow"
  install -m 755 "$FLEET_HOME/sim/postfix-init" "$t/init.d/postfix"
  install -m 755 "$FLEET_HOME/sim/postgresql-init" "$t/init.d/postgresql"
  mkdir -p "$t/bm" "$t/bm-hps" "$t/bm-webmail" "$t/postfix" "$t/bmfleet-sim"
  rm -rf "$CACHE_DIR/etc-base"
  mv "$t" "$CACHE_DIR/etc-base"
}

build_pg_template() {
  local t=$CACHE_DIR/pg-template.tmp sock
  rm -rf "$t"
  mkdir -p "$t"; chown postgres:postgres "$t"; chmod 700 "$t"
  sock=$(mktemp -d /tmp/bmfleet-pgsock.XXXXXX)
  chown postgres:postgres "$sock"
  (
    cd /
    setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/initdb" -D "$t" -U postgres \
      --auth-local=peer --auth-host=md5 -E UTF8 --locale=C.UTF-8 --no-sync --wal-segsize=1 >/dev/null
    cat >>"$t/postgresql.conf" <<'EOF'

# --- bmfleet test fleet ---
listen_addresses = '127.0.0.1,::1'
port = 5432
unix_socket_directories = '/run/postgresql'
max_connections = 50
shared_buffers = 16MB
dynamic_shared_memory_type = posix
wal_level = minimal
max_wal_senders = 0
max_logical_replication_workers = 0
max_worker_processes = 4
min_wal_size = 4MB
max_wal_size = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
EOF
    cat >"$t/pg_hba.conf" <<'EOF'
# bmfleet test fleet: like a BlueMind host (password auth for bj, peer for postgres)
local   all   postgres                 peer
local   all   all                      md5
host    all   all      127.0.0.1/32    md5
host    all   all      ::1/128         md5
EOF
    chown postgres:postgres "$t/postgresql.conf" "$t/pg_hba.conf"
    setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/pg_ctl" -D "$t" -w -t 60 \
      -o "-c listen_addresses='' -c unix_socket_directories='$sock'" -l "$sock/log" start >/dev/null
    # the schema goes through stdin: the postgres user may not be able to read the repository
    {
      echo "CREATE ROLE bj LOGIN PASSWORD 'not-set-yet';"
      # as BlueMind's installer (parent/system/net.bluemind.system.pg.tests/data/install_bmdb_pgsql_0.sh:
      # createdb --owner=bj --encoding=UTF-8, then ALTER DATABASE ... SET TIMEZONE='GMT')
      echo "CREATE DATABASE bj OWNER bj ENCODING 'UTF8';"
      echo "CREATE DATABASE \"bj-data\" OWNER bj ENCODING 'UTF8';"
      echo "ALTER DATABASE bj SET TIMEZONE='GMT';"
      echo "ALTER DATABASE \"bj-data\" SET TIMEZONE='GMT';"
      echo '\connect bj'
      echo 'SET ROLE bj;'
      cat "$FLEET_LIB/schema-bj.sql"
      echo '\connect bj-data'
      echo 'SET ROLE bj;'
      cat "$FLEET_LIB/schema-bj-data.sql"
    } | setpriv --reuid=postgres --regid=postgres --init-groups psql -X -q -v ON_ERROR_STOP=1 \
      -h "$sock" -d postgres >/dev/null
    setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/pg_ctl" -D "$t" -w -m fast stop >/dev/null
    # clean shutdown: drop the WAL written by CREATE DATABASE (every host copies this directory)
    setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/pg_resetwal" -D "$t" >/dev/null
  ) || { cat "$sock/log" >&2 2>/dev/null || true; rm -rf "$sock"; die "building the PostgreSQL template failed"; }
  rm -rf "$sock" "$t/postmaster.opts" "$t"/log
  rm -rf "$CACHE_DIR/pg-template"
  mv "$t" "$CACHE_DIR/pg-template"
}

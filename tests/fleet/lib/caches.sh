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

# en_US.UTF-8 on the machine: the locale of BlueMind's databases (below), which every host's
# PostgreSQL needs at CREATE DATABASE and at each connection to them (the hosts use the machine's
# /usr/lib/locale). A fresh Debian has only C.UTF-8: generated here, from the locales package
# (.ci/run installs it), into the machine's locale archive (additive: other locales stay).
ensure_locale() {
  locale -a 2>/dev/null | grep -qix 'en_US.utf8' && return 0
  [[ -f /usr/share/i18n/locales/en_US ]] ||
    die "the en_US.UTF-8 locale is missing and cannot be generated: install the locales package"
  # (-c: a warning about the locale's source is not an error; the check below is what counts)
  localedef -i en_US -c -f UTF-8 -A /usr/share/locale/locale.alias en_US.UTF-8 >/dev/null 2>&1 || true
  locale -a 2>/dev/null | grep -qix 'en_US.utf8' || die "generating the en_US.UTF-8 locale failed (localedef)"
}

# The cluster every full host copies, set up as BlueMind sets up its own (mdhender/bluemindfork:
# the configuration BlueMind writes, parent/core/net.bluemind.core.container.service.tests/data/
# postgresql.conf and pg_hba.conf, as PostgreSQLService.configurePg copies them to each new data
# server; the installer, parent/system/net.bluemind.system.pg.tests/data/install_bmdb_pgsql_0.sh):
#   - the cluster is made in the locale of its environment (pg_createcluster takes it from there;
#     here C.UTF-8, a fresh Debian's only one) and template0 keeps it. The installer rebuilds
#     template1 from template0 in en_US.UTF-8, then postgres from template1, so every database
#     BlueMind creates (createdb --owner=bj --encoding=UTF-8: from template1) is in en_US.UTF-8,
#     and a database created FROM template0 without a locale is not;
#   - the bm.ini user is a SUPERUSER (createuser --createdb --superuser --no-createrole --login);
#   - postgresql.conf listens on 0.0.0.0, sets lc_* to en_US.UTF-8, leaves wal_level (replica),
#     max_wal_senders (10) and max_replication_slots (10) at PostgreSQL's defaults and includes
#     postgresql.conf.local for site settings;
#   - pg_hba: ident (peer) on the socket, md5 from 127.0.0.1, 0.0.0.0/0 and ::1, and no
#     `replication` line: nothing streams the cluster until someone adds one.
# What differs, for a machine running dozens of clusters at once: max_connections (1024 there),
# shared_buffers (100MB), max_wal_size, fsync/synchronous_commit/full_page_writes off, 1 MB WAL
# segments, and the configuration kept in the data directory (/etc/postgresql/15/main there).
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

# --- bmfleet test fleet: BlueMind's settings (tests/fleet/lib/caches.sh) ---
listen_addresses = '0.0.0.0'
port = 5432
unix_socket_directories = '/run/postgresql'
lc_messages = 'en_US.UTF-8'
lc_monetary = 'en_US.UTF-8'
lc_numeric = 'en_US.UTF-8'
lc_time = 'en_US.UTF-8'
default_text_search_config = 'pg_catalog.english'
max_locks_per_transaction = 5000
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
# --- the test machine's, not BlueMind's: dozens of clusters share two cores ---
max_connections = 50
shared_buffers = 16MB
dynamic_shared_memory_type = posix
min_wal_size = 4MB
max_wal_size = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
# site settings, as on a BlueMind host (empty)
include 'postgresql.conf.local'
EOF
    : >"$t/postgresql.conf.local"
    cat >"$t/pg_hba.conf" <<'EOF'
# bmfleet test fleet: BlueMind's pg_hba.conf (its ident on the socket is peer; no replication line)
local   all   postgres                 peer
local   all   all                      peer
host    all   all      127.0.0.1/32    md5
host    all   all      0.0.0.0/0       md5
host    all   all      ::1/128         md5
EOF
    chown postgres:postgres "$t/postgresql.conf" "$t/postgresql.conf.local" "$t/pg_hba.conf"
    setpriv --reuid=postgres --regid=postgres --init-groups "$PGBIN/pg_ctl" -D "$t" -w -t 60 \
      -o "-c listen_addresses='' -c unix_socket_directories='$sock'" -l "$sock/log" start >/dev/null
    # the installer's template databases, rebuilt in en_US.UTF-8 (one transaction per -c: DROP
    # and CREATE DATABASE cannot run inside one)
    setpriv --reuid=postgres --regid=postgres --init-groups psql -X -q -v ON_ERROR_STOP=1 -h "$sock" -d postgres \
      -c "UPDATE pg_database SET datistemplate = false WHERE datname = 'template1'" \
      -c "DROP DATABASE template1" \
      -c "CREATE DATABASE template1 TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'en_US.UTF-8' LC_CTYPE 'en_US.UTF-8'" \
      -c "UPDATE pg_database SET datistemplate = true WHERE datname = 'template1'" >/dev/null
    setpriv --reuid=postgres --regid=postgres --init-groups psql -X -q -v ON_ERROR_STOP=1 -h "$sock" -d template1 \
      -c "DROP DATABASE postgres" -c "CREATE DATABASE postgres TEMPLATE template1" >/dev/null
    # the schema goes through stdin: the postgres user may not be able to read the repository
    {
      echo "CREATE ROLE bj LOGIN SUPERUSER CREATEDB NOCREATEROLE PASSWORD 'not-set-yet';"
      # as BlueMind's installer (install_bmdb_pgsql_0.sh: createdb --owner=bj --encoding=UTF-8,
      # from template1 and so in en_US.UTF-8, then ALTER DATABASE ... SET TIMEZONE='GMT')
      echo "CREATE DATABASE bj OWNER bj ENCODING 'UTF8' TEMPLATE template1;"
      echo "CREATE DATABASE \"bj-data\" OWNER bj ENCODING 'UTF8' TEMPLATE template1;"
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

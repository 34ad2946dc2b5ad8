#!/bin/bash
# The procedure "Changer de distribution" done by hand, as a reference for the fleet's self-test.
# Runs ON THE TARGET (as root), which pulls from the origin:
#   manual-migrate.sh ORIGIN_IP hot    stop the target's services, rsync the seven spools
#   manual-migrate.sh ORIGIN_IP cold   (origin stopped by the caller) final rsync, dump/restore both
#                                      databases, copy the configuration files, align bj's password
# Needs root's key of the target authorized on the origin and the origin in ~/.ssh/known_hosts.
set -euo pipefail
O=root@$1
phase=$2
SPOOLS=(/var/spool/cyrus/ /var/lib/cyrus/ /var/spool/bm-hsm/ /var/spool/sieve/ /var/spool/bm-elasticsearch/
        /var/spool/bm-docs/ /var/spool/bm-filehosting/)
remote() { ssh -n -o BatchMode=yes "$O" "$@"; }
# where the time goes (bench/downtime's breakdown): "bmf-mark NAME EPOCH" on stderr
mark() { echo "bmf-mark $1 $(date +%s.%N)" >&2; }

sync_spools() {
  local d
  for d in "${SPOOLS[@]}"; do
    # 5.x has no /var/lib/cyrus nor /var/spool/sieve: skip what the origin lacks
    remote "test -d $d" || continue
    rsync -aH --delete "$O:$d" "$d"
  done
}

case $phase in
  hot)
    bmctl stop
    service postfix stop
    sync_spools
    ;;
  cold)
    mark start
    sync_spools
    mark rsync
    opw=$(remote "sed -n 's/^password=//p' /etc/bm/bm.ini")
    remote "PGPASSWORD='$opw' pg_dump -U bj -h localhost bj" >/tmp/db.sql
    remote "PGPASSWORD='$opw' pg_dump -U bj -h localhost bj-data" >/tmp/db-data.sql
    for f in /tmp/db.sql /tmp/db-data.sql; do
      tail -n 8 "$f" | grep -q -- '-- PostgreSQL database dump complete' || { echo "truncated dump $f" >&2; exit 1; }
    done
    mark dumps
    scp -q -r "$O:/etc/bm/*" /etc/bm
    scp -q "$O:/etc/bm/bm.ini" /etc/bm/bm.ini
    if remote "test -d /etc/bm-hps"; then mkdir -p /etc/bm-hps; scp -q -r "$O:/etc/bm-hps/*" /etc/bm-hps; fi
    scp -q "$O:/etc/ssl/certs/bm_cert.pem" "$O:/etc/ssl/certs/bm_cert-*.pem" /etc/ssl/certs/
    scp -q -r "$O:/var/lib/bm-ca/*" /var/lib/bm-ca
    scp -q "$O:/usr/share/bm-elasticsearch/config/elasticsearch.yml" /usr/share/bm-elasticsearch/config/elasticsearch.yml
    if remote "ls /etc/imapd* /etc/cyrus*" >/dev/null 2>&1; then scp -q "$O:/etc/imapd*" "$O:/etc/cyrus*" /etc/; fi
    # the whole /etc/postfix, as BlueMind's protectConfigurationFiles.sh takes it
    rsync -a --checksum --delete "$O:/etc/postfix/" /etc/postfix/
    scp -q "$O:/etc/bm-webmail/*" /etc/bm-webmail/
    mark config
    # PostgreSQL 15: public belongs to the database owner, so create the databases owned by bj
    # as BlueMind's installer: UTF-8 and TIMEZONE 'GMT' (install_bmdb_pgsql_0.sh), from template1
    # as the procedure's plain `createdb` does: in en_US.UTF-8, the locale the installer gave
    # template1 (template0 keeps the cluster's own: lib/caches.sh)
    su - postgres -c 'dropdb bj && dropdb bj-data && createdb -O bj -E UTF8 bj && createdb -O bj -E UTF8 bj-data'
    su - postgres -c "psql -X -q -c \"ALTER DATABASE bj SET TIMEZONE='GMT'\" -c \"ALTER DATABASE \\\"bj-data\\\" SET TIMEZONE='GMT'\""
    npw=$(sed -n 's/^password=//p' /etc/bm/bm.ini)
    su - postgres -c "psql -X -q -c \"ALTER ROLE bj PASSWORD '$npw'\""
    export PGPASSWORD=$npw
    psql -X -q -v ON_ERROR_STOP=1 -U bj -h localhost bj </tmp/db.sql >/dev/null
    psql -X -q -v ON_ERROR_STOP=1 -U bj -h localhost bj-data </tmp/db-data.sql >/dev/null
    mark restore
    ;;
  *) echo "usage: manual-migrate.sh ORIGIN_IP hot|cold" >&2; exit 2;;
esac

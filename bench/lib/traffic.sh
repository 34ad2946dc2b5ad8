#!/bin/bash
# Origin traffic until the freeze (issue 25, "Measure"): run inside an origin of the bench's fleet
# (`fleet exec oNN bash -s <traffic.sh`), it starts a writer that, every 100 ms while BlueMind's
# core runs, delivers a message into a mailbox (written aside, renamed: as Cyrus's LMTP delivery
# leaves a whole file) and writes a row into bj-data, so the final pass and the databases' catch-up
# have real pending work. The fleet's `bmctl stop` ends it before the core (its pid in
# /run/bm-spool-writer.pid: tests/fleet/sim/bmfleet-sim core-stop), in both methods alike; what it
# wrote is counted in /run/bm-spool-writer.count ("MESSAGES ROWS").
set -euo pipefail
cd /var/spool/cyrus/data
box=$(find . -maxdepth 8 -type f -name '3.' -printf '%h\n' -quit)
[ -n "$box" ] || { echo "traffic: no mailbox with a message 3. in the origin's spool" >&2; exit 1; }
rm -f /run/bm-spool-writer.pid /run/bm-spool-writer.count
cat >/run/bm-traffic-loop.sh <<'LOOP'
trap 'exit 0' TERM
box=$1 owner=$2
echo "$$" >/run/bm-spool-writer.pid
n=0 rows=0
sql="INSERT INTO t_container_changeset (container_uid, version, item_uid, action)
     SELECT container_uid, version + 900000 + :'n', item_uid || '-traffic', 'U'
     FROM t_container_changeset ORDER BY id LIMIT 1"
while bmfleet-sim core-status; do
  n=$((n + 1))
  printf 'Subject: traffic %d\r\n\r\ndelivered until the freeze\r\n' "$n" >"$box/.lmtp.$n"
  chown "$owner" "$box/.lmtp.$n"
  mv -f -- "$box/.lmtp.$n" "$box/$((800000 + n))."
  if echo "$sql" | setpriv --reuid=postgres --regid=postgres --init-groups \
    psql -X -q -h /run/postgresql -d bj-data -v n="$n" >/dev/null 2>&1; then
    rows=$((rows + 1))
  fi
  echo "$n $rows" >/run/bm-spool-writer.count
  sleep 0.1
done
LOOP
setsid -f bash /run/bm-traffic-loop.sh "$PWD/$box" "$(stat -c %U:%G "$box")" </dev/null >/dev/null 2>&1
for _ in $(seq 100); do
  [ ! -s /run/bm-spool-writer.pid ] || { echo "traffic: writing into ${box#./} and bj-data until BlueMind stops"; exit 0; }
  sleep 0.05
done
echo "traffic: the writer did not start" >&2
exit 1

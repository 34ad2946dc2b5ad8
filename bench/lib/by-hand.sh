#!/bin/bash
# BlueMind's procedure done by hand from the controller over OpenSSH, for bench/downtime.
#   by-hand.sh STEP KEY KNOWN_HOSTS PROCEDURE OIP:TIP...
# STEP:
#   access  give the target's root a key authorized on the origin, the origin's host key (as the
#           controller knows it) in the target's known_hosts, and PROCEDURE (manual-migrate.sh)
#           copied to the target
#   hot     the hot sync (manual-migrate.sh ORIGIN hot, on the target)
#   cold    the downtime: stop the origin's services; manual-migrate.sh ORIGIN cold on the target;
#           start the target's services. Prints "OIP DOWNTIME_START DOWNTIME_END" (epoch seconds:
#           the origin's stop returned, the target's start returned)
#   all     access, hot, cold in a row (the end-to-end migration)
# Each pair is one background job (pairs in parallel); within a pair everything is sequential,
# one ssh/scp at a time, as an operator types it. Exit 1 if any pair failed.
set -euo pipefail
step=$1 key=$2 known=$3 procedure=$4
shift 4
SSH=(ssh -i "$key" -o IdentitiesOnly=yes -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes
     -o BatchMode=yes -o ConnectTimeout=10)
SCP=(scp -q -i "$key" -o IdentitiesOnly=yes -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes
     -o BatchMode=yes -o ConnectTimeout=10)
now() { date +%s.%N; }

access() {
  local o=$1 t=$2 pub
  # shellcheck disable=SC2016
  pub=$("${SSH[@]}" -n "root@$t" \
    'test -f /root/.ssh/id_ed25519 || ssh-keygen -q -t ed25519 -N "" -f /root/.ssh/id_ed25519; cat /root/.ssh/id_ed25519.pub')
  "${SSH[@]}" "root@$o" 'cat >>/root/.ssh/authorized_keys' <<<"$pub"
  grep "^$o " "$known" | "${SSH[@]}" "root@$t" 'cat >>/root/.ssh/known_hosts'
  "${SCP[@]}" "$procedure" "root@$t:/root/manual-migrate.sh"
}
hot() { "${SSH[@]}" -n "root@$2" "bash /root/manual-migrate.sh $1 hot"; }
cold() {
  local o=$1 t=$2 t0 t1
  "${SSH[@]}" -n "root@$o" 'bmctl stop; service postfix stop' >/dev/null
  t0=$(now)
  "${SSH[@]}" -n "root@$t" "bash /root/manual-migrate.sh $o cold"
  "${SSH[@]}" -n "root@$t" 'service postfix start; bmctl start' >/dev/null
  echo "bmf-mark started $(now)" >&2
  t1=$(now)
  echo "$o $t0 $t1"
}
one_pair() {
  local o=${1%%:*} t=${1#*:}
  case $step in
    access) access "$o" "$t";;
    hot) hot "$o" "$t";;
    cold) cold "$o" "$t";;
    all) access "$o" "$t"; hot "$o" "$t"; cold "$o" "$t";;
    *) echo "by-hand.sh: unknown step $step" >&2; exit 2;;
  esac
}
pids=()
for p in "$@"; do
  one_pair "$p" &
  pids+=($!)
done
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit $fail

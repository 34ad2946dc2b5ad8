#!/bin/bash
# Baseline of bench/fanout: a hand-written parallel OpenSSH loop, one ControlMaster per host.
#   sshloop.sh HOSTS_FILE K KEY KNOWN_HOSTS CONTROL_DIR
# Each host (one background job per host) opens a master connection, runs its K steps in order
# over it (one `ssh -S` exec each), closes the master. Exit 1 if any step of any host failed.
set -euo pipefail
hosts_file=$1 k=$2 key=$3 known=$4 cdir=$5
mkdir -p "$cdir"
opts=(-i "$key" -o IdentitiesOnly=yes -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes
      -o BatchMode=yes -o ConnectTimeout=10)
one_host() {
  local h=$1 i cp=$cdir/$1 rc=0
  ssh "${opts[@]}" -o ControlMaster=yes -o ControlPath="$cp" -o ControlPersist=yes -fN "root@$h" || return 1
  for ((i = 1; i <= k; i++)); do
    # shellcheck disable=SC2016  # $(hostname) expands on the host
    ssh "${opts[@]}" -o ControlPath="$cp" "root@$h" "echo step $i on \$(hostname)" || { rc=1; break; }
  done
  ssh -o ControlPath="$cp" -O exit "root@$h" 2>/dev/null || true
  return $rc
}
pids=()
while read -r h; do
  [[ -n $h ]] || continue
  one_host "$h" &
  pids+=($!)
done <"$hosts_file"
fail=0
for p in "${pids[@]}"; do wait "$p" || fail=1; done
exit $fail

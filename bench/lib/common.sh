# shellcheck shell=bash
# Shared helpers of bench/fanout and bench/downtime. Sourced, never executed.

BENCH_LIB="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_HOME="$(dirname "$BENCH_LIB")"
REPO="$(dirname "$BENCH_HOME")"
FLEET="$REPO/tests/fleet/fleet"
# Everything the benches generate or install lives here (never in the repository).
WORK=${BMFLEET_BENCH_WORK:-/var/tmp/bmfleet-bench}
VENV=$WORK/venv
BENCH_TARGET_DIR=${BMFLEET_BENCH_TARGET_DIR:-/var/tmp/bmfleet-bench-target}
# shellcheck disable=SC2034  # used by the scripts that source this file
MEASURE=(python3 "$BENCH_LIB/measure.py")
# shellcheck disable=SC2034
REPORT=(python3 "$BENCH_LIB/report.py")

log() { printf '%s bench: %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

need_root() { [[ $(id -u) -eq 0 ]] || die "must run as root (the test fleet needs network namespaces)"; }

# ensure_apt PKG... : install the Debian packages that are missing (apt-get update once first).
APT_UPDATED=0
ensure_apt() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  log "installing Debian packages: ${missing[*]}"
  if [[ $APT_UPDATED == 0 ]]; then
    apt-get update -qq >&2 || die "apt-get update failed: cannot install ${missing[*]}"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2 ||
    die "apt-get install ${missing[*]} failed"
}

# ensure_venv: ansible-core and pyinfra (from PyPI, by name) in $VENV, created once and reused.
ensure_venv() {
  if [[ -x $VENV/bin/ansible-playbook && -x $VENV/bin/pyinfra ]]; then return 0; fi
  ensure_apt python3-venv
  log "creating $VENV with ansible-core and pyinfra (once; reused afterwards)"
  mkdir -p "$WORK"
  /usr/bin/python3 -m venv "$VENV" || die "python3 -m venv $VENV failed"
  "$VENV/bin/pip" install -q --disable-pip-version-check ansible-core pyinfra >&2 ||
    die "pip install ansible-core pyinfra failed (into $VENV)"
  [[ -x $VENV/bin/ansible-playbook && -x $VENV/bin/pyinfra ]] ||
    die "ansible-playbook or pyinfra missing from $VENV after pip install"
}

tool_versions() {
  local v
  v=$("$VENV/bin/ansible-playbook" --version 2>/dev/null | head -1) && echo "ansible: $v"
  v=$("$VENV/bin/pyinfra" --version 2>/dev/null | head -1) && echo "$v"
}

# build_bmfleet: sets BMFLEET to the binary. --bmfleet BIN wins; --no-build takes the last build;
# otherwise cargo builds the working tree into its own target dir (a no-op when up to date).
build_bmfleet() {
  if [[ -n ${BMFLEET:-} ]]; then
    [[ -x $BMFLEET ]] || die "--bmfleet $BMFLEET is not an executable"
    return 0
  fi
  BMFLEET=$BENCH_TARGET_DIR/release/bmfleet
  if [[ ${NO_BUILD:-0} == 1 ]]; then
    [[ -x $BMFLEET ]] || die "--no-build: no binary at $BMFLEET"
    return 0
  fi
  command -v cargo >/dev/null || die "cargo not found: build bmfleet or pass --bmfleet BIN"
  log "building bmfleet (release, CARGO_TARGET_DIR=$BENCH_TARGET_DIR)"
  CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release --quiet --manifest-path "$REPO/Cargo.toml" >&2 ||
    die "cargo build failed"
}

# one line: which bmfleet was measured (binary's date and checksum, the repository's HEAD then)
bmfleet_meta() {
  echo "bmfleet: $BMFLEET built $(date -r "$BMFLEET" -Is), sha256 $(sha256sum "$BMFLEET" | cut -c1-12)," \
    "repository HEAD $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src roles Cargo.toml Cargo.lock 2>/dev/null || echo ' + uncommitted changes in src/roles')"
}

# fleet_up DIR_BASE LIGHT(0|1) PAIRS : bring up (idempotent) a fleet of its own; sets FLEET_DIR.
fleet_cmd() {
  if [[ $FLEET_LIGHT == 1 ]]; then
    BMFLEET_FLEET_DIR=$FLEET_BASE "$FLEET" --light "$@"
  else
    BMFLEET_FLEET_DIR=$FLEET_BASE "$FLEET" "$@"
  fi
}

fleet_up() {
  FLEET_BASE=$1 FLEET_LIGHT=$2
  local pairs=$3
  log "fleet up $pairs pair(s) ($( [[ $FLEET_LIGHT == 1 ]] && echo light || echo full ), BMFLEET_FLEET_DIR=$FLEET_BASE)"
  fleet_cmd up "$pairs" >&2 || die "fleet up $pairs failed"
  FLEET_DIR=$(fleet_cmd dir)
}

fleet_down() {
  [[ -n ${FLEET_BASE:-} ]] || return 0
  log "fleet down ($FLEET_DIR)"
  fleet_cmd down >&2 || log "fleet down failed: look at $FLEET_DIR"
}

# host_ip NAME : address of a host of the fleet (from `fleet hosts`, cached)
declare -A HOST_IP=()
load_hosts() {
  local name ip _
  HOST_IP=()
  while read -r name ip _; do HOST_IP[$name]=$ip; done < <(fleet_cmd hosts)
}
host_ip() { echo "${HOST_IP[$1]:?unknown host $1}"; }

# rotate N R : the order of N tools in round R (1-based), rotating the starting tool each round
rotate() {
  local n=$1 r=$2 i
  for ((i = 0; i < n; i++)); do echo $(((i + r - 1) % n)); done
}

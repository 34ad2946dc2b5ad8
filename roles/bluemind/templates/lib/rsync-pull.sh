{#- Pull one spool from the origin. The direction is fixed here, once for every phase: the
    source is always the origin, the destination always a local path on the target.
    bmf_pull_full walks the whole spool (every hot sync; the final rsync without change lists);
    the final rsync's passes over its change lists call bmf_rsync (templates/cold-sync/final-rsync.sh). -#}
{% include "templates/lib/host-state.sh" %}
bmf_state_check target sync # never into a live target, an origin, another pair's host
{% include "templates/lib/origin-ssh.sh" %}
spool={{ item }}
case "$spool" in
  /*/) ;;
  *) echo "spool paths must be absolute and end with /: $spool" >&2; exit 2 ;;
esac
{#- --whole-file: between two hosts of a LAN, sending a changed file whole costs less than rsync's
    delta algorithm (checksums of both copies, on both hosts' CPU); no -z, no --checksum: the
    size-and-mtime check finds what changed (bench/README.md "Large tenant").
    Owners are mapped by name (no --numeric-ids), as the procedure's rsync -avH does: cyrus,
    elasticsearch and group bluemind are system accounts with dynamic ids, and a fresh install of
    another release may have given them other numbers (preflight reports the mapping).
    What the origin sends is data, never a device: as root, -a implies -D (devices and special
    files) and -p (modes with their set-id bits), so a compromised origin could put a
    world-writable node of the target's own disk, or a setuid-root shell, in a spool, and any
    local service user of the target would become root. --no-devices --no-specials: devices,
    FIFOs and sockets are skipped (rsync(1): "skipping non-regular file", on rsync's stdout
    with the progress, also in its --log-file, counted below);
    --chmod=Fug-s: every file arrives without its setuid and setgid bits (rsync(1) --chmod: F
    for files only, applied as if the sender had sent that mode, so with -p it also clears the
    bit of a file already on the target). A directory keeps its setgid bit: it grants nothing
    (new entries inherit the directory's group, which the origin chooses anyway with -g), and
    shared folders use it (the test fleet's bm-filehosting). No BlueMind file is set-id in these
    spools nor in the configuration pulled at cold sync: the set-id programs of its hosts
    (postfix's postdrop and postqueue) and postfix's setgid queue directories live in /usr/sbin
    and /var/spool/postfix, which bmfleet never copies. #}
bmf_rsync() {
  # bmf_rsync ERRFILE [OPTION...]: rsync this spool from the origin with the common options.
  local err=$1
  shift
  rsync -aH --no-devices --no-specials --chmod=Fug-s --whole-file --stats --info=progress2 {% if rsync_bwlimit_kbps %}--bwlimit={{ rsync_bwlimit_kbps }} {% endif %}\
    --log-file="$err.log" --log-file-format= -e "$bmfleet_origin_ssh" "$@" -- "$bmfleet_origin:$spool" "$spool" 2>"$err"
}
bmf_nonregular() {
  # bmf_nonregular ERRFILE: say how many devices, FIFOs and sockets of the origin's spool the
  # last bmf_rsync did not copy (its log, ERRFILE.log, names each; emptied here); 1 if any.
  local n
  n=$(grep -c '\] skipping non-regular file "' -- "$1.log" 2>/dev/null) || true
  : >"$1.log"
  [ "${n:-0}" -gt 0 ] || return 0
  echo "not copied: $n device, FIFO or socket node(s) in the origin's $spool (what an origin sends is data, never a device)"
  return 1
}
bmf_pull_full() {
  {#- A spool the origin does not have is skipped and reported, never a failure: BlueMind 5.x
      has no Cyrus (no /var/lib/cyrus, no /var/spool/sieve: FEATBL-1831, packaging/bm-conf/
      debian/postinst removeCyrus() in BlueMind's source), and rsync exits 23 on an absent source
      directory. The target does not get an empty directory in its place. #}
  local existed=0 err rc=0
  mkdir -p -- "$(dirname -- "${spool%/}")"
  [ -d "$spool" ] && existed=1
  err=$(mktemp)
  bmf_rsync "$err" --delete || rc=$?
  if [ "$rc" = 23 ] && grep -Eq "(change_dir|link_stat) \"${spool%/}/?\" failed: No such file or directory" "$err"; then
    rm -f -- "$err" "$err.log"
    [ "$existed" = 1 ] || rmdir -- "$spool" 2>/dev/null || true
    echo "skipped: the origin has no $spool (nothing to copy; BlueMind 5.x has no Cyrus directories)"
    return 0
  fi
  cat -- "$err" >&2
  {#- A device, FIFO or socket the target already holds where the origin has one (copied by a
      bmfleet before this check): rsync skips the path, so --delete keeps it. Removed here, by
      type, when the origin holds any (the only case where one can survive), without a word
      of the origin's names in the log. #}
  if ! bmf_nonregular "$err" && [ -d "$spool" ]; then
    local left
    left=$(find "$spool" -xdev \( -type b -o -type c -o -type p -o -type s \) -delete -printf . | wc -c)
    [ "$left" = 0 ] || echo "removed $left device, FIFO or socket node(s) an earlier copy left in the target's $spool"
  fi
  rm -f -- "$err" "$err.log"
  return "$rc"
}

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
    another release may have given them other numbers (preflight reports the mapping). #}
bmf_rsync() {
  # bmf_rsync ERRFILE [OPTION...]: rsync this spool from the origin with the common options.
  local err=$1
  shift
  rsync -aH --whole-file --stats --info=progress2 {% if rsync_bwlimit_kbps %}--bwlimit={{ rsync_bwlimit_kbps }} {% endif %}\
    -e "$bmfleet_origin_ssh" "$@" -- "$bmfleet_origin:$spool" "$spool" 2>"$err"
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
    rm -f -- "$err"
    [ "$existed" = 1 ] || rmdir -- "$spool" 2>/dev/null || true
    echo "skipped: the origin has no $spool (nothing to copy; BlueMind 5.x has no Cyrus directories)"
    return 0
  fi
  cat -- "$err" >&2
  rm -f -- "$err"
  return "$rc"
}

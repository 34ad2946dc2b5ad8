{#- Which BlueMind a host runs, and so its layout: the one place of the role that decides it (every
    template asks here, never the presence of a file). Paths are in BlueMind's source (GitHub mirror
    mdhender/bluemindfork).

    The version is bm-core's (bm-full pins every bm-* package to it), without a Debian epoch. The
    layout follows the major version:
      cyrus  4.x and before: mail in Cyrus (/etc/imapd.conf, cyrus.index files, /var/lib/cyrus)
      core   5.x on: Cyrus removed (FEATBL-1831), the core serves IMAP from bj-data
    A 5.x server upgraded from 4.x keeps Cyrus's files: packaging/bm-conf/debian/postinst
    removeCyrus() only purges the Cyrus services and cron job, and leaves /etc/imapd.conf,
    /etc/cyrus.conf and /etc/cyrus-partitions (and the spools) where 4.x had them. A Cyrus file
    says nothing about what serves the mail: the version does. -#}
# shellcheck disable=SC2317 # a library function: not every step that includes it calls it
bmf_bm_version() {
  # The installed bm-core's version, without epoch; fails (saying so) when there is none.
  local v
  { v=$(dpkg-query -W -f='${Version}' bm-core 2>/dev/null) && [ -n "$v" ]; } ||
    { echo "bm-core is not installed here (dpkg-query): which BlueMind runs is unknown" >&2; return 1; }
  printf '%s\n' "${v#*:}"
}
# shellcheck disable=SC2317 # a library function: not every step that includes it calls it
bmf_bm_major() {
  # bmf_bm_major [VERSION]: the major version (this host's bm-core without VERSION).
  local v=${1-}
  if [ -z "$v" ]; then v=$(bmf_bm_version) || return 1; fi
  v=${v#*:}
  case "${v%%.*}" in
    '' | *[!0-9]*) echo "not a BlueMind version: $(printf '%q' "${v:0:40}")" >&2; return 1 ;;
  esac
  printf '%s\n' "$((10#${v%%.*}))"
}
# shellcheck disable=SC2317 # a library function: not every step that includes it calls it
bmf_bm_layout() {
  # bmf_bm_layout [VERSION]: cyrus (4.x and before) or core (5.x on), see above.
  local major
  major=$(bmf_bm_major "${1-}") || return 1
  if [ "$major" -ge 5 ]; then echo core; else echo cyrus; fi
}

{#- What BlueMind keeps on the origin that the role would not carry: every /var/spool/bm-* and every
    /etc/bm* (BlueMind's own configuration backup takes `/etc/bm*`: parent/dataprotect/
    net.bluemind.dataprotect.common/data/protectConfigurationFiles.sh in BlueMind's source, GitHub
    mirror mdhender/bluemindfork) that no spool and no config_paths entry carries, and a local
    bm-kafka (bm-core.service Wants bm-kafka-broker.service: packaging/bm-core/debian/
    bm-core.service; the bm-kafka package is not in BlueMind's tree, only pinned by
    packaging/EXTDEPS, so where it keeps its data is not known here). Each is reported (exit 3),
    with what to do: nothing is refused, the operator decides. /etc/bmfleet* is bmfleet's own
    name (its test fleet's stand-ins keep their state there), never BlueMind's. Names are data:
    printed with %q, never evaluated. -#}
carried() {
  # carried PATH: does a spool or a config_paths entry take PATH (a directory as a whole, by an
  # entry ending in /; anything else, by an entry without)? Globs are the origin's, as
  # pull-config.sh expands them.
  local path=$1 s c
  if [ -d "$path" ] && [ ! -L "$path" ]; then
    for s in {{ spools | shell_words }}; do [ "$path/" != "$s" ] || return 0; done
    for c in {{ config_paths | shell_words }}; do
      # shellcheck disable=SC2053 # the entry is a glob, matched as one
      case "$c" in */) [[ $path/ != $c ]] || return 0 ;; esac
    done
  else
    for c in {{ config_paths | shell_words }}; do
      # shellcheck disable=SC2053 # the entry is a glob, matched as one
      case "$c" in */) ;; *) [[ $path != $c ]] || return 0 ;; esac
    done
  fi
  return 1
}
n=0 nleft=0 left=()
for path in /var/spool/bm-* /etc/bm*; do
  [ -e "$path" ] || [ -L "$path" ] || continue
  case "$path" in /etc/bmfleet*) continue ;; esac
  if carried "$path"; then
    n=$((n + 1))
  elif [ -L "$path" ]; then
    left+=("$(printf '%q' "$path") (a symbolic link: links are never followed)")
    nleft=$((nleft + 1))
  else
    left+=("$(printf '%q' "$path")")
    nleft=$((nleft + 1))
  fi
done
echo "$n of the origin's /var/spool/bm-* and /etc/bm* carried by the role"
warn=
if [ "$nleft" -gt 0 ]; then
  echo "not carried (no spool nor config_paths entry takes them): ${left[*]}; add a directory of data to the role's \`spools\`, configuration to \`config_paths\`, or leave it knowingly"
  warn=1
fi
if [[ $(dpkg-query -W -f='${Status}' bm-kafka 2>/dev/null) == *' ok installed' ]]; then
  echo "bm-kafka is installed on the origin: a local Kafka's data is not carried unless a spool names it (BlueMind's source does not say where bm-kafka keeps it); find its log.dirs and add it to \`spools\`, or check that BlueMind rebuilds it"
  warn=1
fi
[ -z "$warn" ] || exit 3

{#- bmf_private_dir DIR: make sure DIR is a directory only root can reach, creating it if needed.
    Everything bmfleet keeps on a host (its state record, dumps, staged configuration, backups)
    lives under such a directory: a local user who could create or swap it first (as in the
    world-writable /var/tmp) could hand root a dump to restore or a file to copy into /etc.
    Refused, with what to do: a symlink anywhere on the path, a parent writable by anyone but
    root, a DIR not owned by root or open to group or others. -#}
# shellcheck disable=SC2317 # a library function: not every step that includes it calls it
bmf_private_dir() {
  local dir=$1 p owner mode
  case "$dir" in
    /*) ;;
    *) echo "bmfleet: $dir is not an absolute path" >&2; return 2 ;;
  esac
  case "$dir" in
    *[[:space:][:cntrl:]]* | */../* | */.. | */./* ) echo "bmfleet: unusable directory name: $dir" >&2; return 2 ;;
  esac
  dir=${dir%/}
  # The parents: real directories of root's, writable by nobody else (or the path can be swapped).
  p=$dir
  while p=$(dirname -- "$p") && [ "$p" != / ]; do
    [ -e "$p" ] || continue
    if [ -L "$p" ] || [ ! -d "$p" ]; then
      echo "bmfleet: $p (on the way to $dir) is not a plain directory: refusing" >&2
      return 1
    fi
    read -r owner mode < <(stat -c '%u %a' -- "$p")
    case "$owner$mode" in *[!0-9]* | '') echo "bmfleet: cannot read the owner of $p" >&2; return 1 ;; esac
    if [ "$owner" != 0 ] || [ $(( 8#$mode & 8#022 )) != 0 ]; then
      echo "bmfleet: $p (on the way to $dir) is owned by uid $owner with mode $mode: only root may write it" >&2
      return 1
    fi
  done
  if [ ! -e "$dir" ] && [ ! -L "$dir" ]; then
    (umask 077 && mkdir -p -- "$dir") || return 1
  fi
  if [ -L "$dir" ] || [ ! -d "$dir" ]; then
    echo "bmfleet: $dir is not a plain directory (a symlink?): refusing; remove it as root" >&2
    return 1
  fi
  read -r owner mode < <(stat -c '%u %a' -- "$dir")
  case "$owner$mode" in *[!0-9]* | '') echo "bmfleet: cannot read the owner of $dir" >&2; return 1 ;; esac
  if [ "$owner" != 0 ] || [ $(( 8#$mode & 8#077 )) != 0 ]; then
    echo "bmfleet: $dir is owned by uid $owner with mode $mode, not root's alone: refusing (someone else may have prepared it); check it, then remove it or chown root and chmod 700 it" >&2
    return 1
  fi
}

{#- Does the target have room for the origin's spools? For each spool, what is still missing on
    the target (origin usage minus what a previous hot sync already copied), summed per target
    filesystem, plus a margin, must fit in that filesystem's free space. -#}
usage={{ origin_usage }}
margin={{ free_space_margin_pct }}
case "$margin" in *[!0-9]*|'') echo "free_space_margin_pct must be a whole number" >&2; exit 2 ;; esac
needed=$(mktemp)
trap 'rm -f "$needed"' EXIT
while read -r spool kb; do
  [ -n "$spool" ] || continue
  # Numbers only before arithmetic: the origin's output is data (`x[$(cmd)]` in $(( )) runs cmd).
  case "$kb" in *[!0-9]* | '') echo "unexpected usage line from the origin: $spool $kb" >&2; exit 2 ;; esac
  case "$spool" in /*/) ;; *) echo "spool paths must be absolute and end with /: $spool" >&2; exit 2 ;; esac
  dir=$spool
  while [ ! -d "$dir" ]; do dir=$(dirname -- "$dir"); done
  have=0
  [ -d "$spool" ] && have=$(du -sk -- "$spool" | cut -f1)
  case "$have" in *[!0-9]* | '') echo "cannot measure $spool on the target" >&2; exit 1 ;; esac
  missing=$(( kb > have ? kb - have : 0 ))
  mount=$(df -Pk -- "$dir" | awk 'NR==2 {print $6}')
  printf '%s %s\n' "$mount" "$missing" >>"$needed"
done <<<"$usage"
status=0
while IFS= read -r mount; do
  want=$(awk -v m="$mount" '$1 == m {s += $2} END {printf "%d\n", s}' "$needed")
  case "$want" in *[!0-9]* | '') echo "cannot sum the space needed on $mount" >&2; exit 1 ;; esac
  want=$(( want + want * margin / 100 ))
  free=$(df -Pk -- "$mount" | awk 'NR==2 {print $4}')
  case "$want$free" in *[!0-9]* | '') echo "cannot read the free space of $mount" >&2; exit 1 ;; esac
  echo "$mount: needs ${want} KiB (with ${margin}% margin), has ${free} KiB free"
  if [ "$free" -lt "$want" ]; then
    echo "not enough free space on $mount" >&2
    status=1
  fi
done < <(cut -d' ' -f1 "$needed" | sort -u)
exit $status

{#- Kilobytes used by each spool on the origin, one "path kb" line each (0 when absent). -#}
for spool in {{ spools | shell_words }}; do
  # One "path kb" line per spool: a path must be one plain word (absolute, trailing /).
  case "$spool" in
    *[[:space:][:cntrl:]]* | */../* | *//*) echo "unusable spool path: $spool" >&2; exit 2 ;;
    /*/) ;;
    *) echo "spool paths must be absolute and end with /: $spool" >&2; exit 2 ;;
  esac
  if [ -d "$spool" ]; then
    printf '%s %s\n' "$spool" "$(du -sk -- "$spool" | cut -f1)"
  else
    printf '%s 0\n' "$spool"
  fi
done

{#- Kilobytes used by each spool on the origin, one "path kb" line each (0 when absent). -#}
for spool in {{ spools | shell_words }}; do
  if [ -d "$spool" ]; then
    printf '%s %s\n' "$spool" "$(du -sk -- "$spool" | cut -f1)"
  else
    printf '%s 0\n' "$spool"
  fi
done

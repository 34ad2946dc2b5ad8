{#- One rsync stream brings the verified dumps and every configuration file of the procedure to
    a staging directory on the target. Nothing is applied yet. -#}
{% include "templates/lib/origin-ssh.sh" %}
stage={{ work_dir }}/stage
umask 077
rm -rf -- "$stage"
mkdir -p -- "$stage/config" "$stage/dump"
rsync -a --stats -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:{{ work_dir }}/dump/" "$stage/dump/"
# Filter rules for the configuration: every listed path (globs allowed) and the directories
# leading to it; everything else excluded.
rules="$stage/config.rules"
: >"$rules"
for path in {{ config_paths | shell_words }}; do
  parent=
  for part in $(dirname -- "$path" | tr '/' ' '); do
    parent="$parent/$part"
    printf '+ %s/\n' "$parent" >>"$rules"
  done
  case "$path" in
    */) printf '+ %s***\n' "$path" >>"$rules" ;;
    *) printf '+ %s\n' "$path" >>"$rules" ;;
  esac
done
printf -- '- *\n' >>"$rules"
rsync -a --stats --filter="merge $rules" -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:/" "$stage/config/"
for f in {{ required_config | shell_words }}; do
  [ -e "$stage/config$f" ] || { echo "the origin has no $f; refusing to go on" >&2; exit 1; }
done
for db in {{ databases | shell_words }}; do
  tail -n 5 -- "$stage/dump/$db.sql" | grep -q '^-- PostgreSQL database dump complete' || { echo "dump of $db damaged in transfer" >&2; exit 1; }
done
echo "staged: $(find "$stage/config" -type f | wc -l) configuration files and the dumps of" {{ databases | shell_words }}

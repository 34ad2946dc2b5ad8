{#- One rsync stream brings every configuration file of the procedure to a staging directory on
    the target (the origin expands the globs). Nothing is applied yet. -#}
{% include "templates/lib/origin-ssh.sh" %}
stage={{ work_dir }}/stage/config
umask 077
rm -rf -- "$stage" "$stage.rules"
{% include "templates/lib/private-dir.sh" %}bmf_private_dir {{ work_dir }} || exit 1
mkdir -p -- "$stage"
# Filter rules: every listed path (globs allowed) and the directories leading to it; nothing else.
rules=$stage.rules
for path in {{ config_paths | shell_words }}; do
  parent=
  for part in $(dirname -- "$path" | tr '/' ' '); do
    parent="$parent/$part"
    printf '+ %s/\n' "$parent"
  done
  case "$path" in
    */) printf '+ %s***\n' "$path" ;;
    *) printf '+ %s\n' "$path" ;;
  esac
done | awk '!seen[$0]++' >"$rules"
printf -- '- *\n' >>"$rules"
# Data, never a device nor a set-id program (as every pull: templates/lib/rsync-pull.sh).
rsync -a --no-devices --no-specials --chmod=Fug-s --stats --filter="merge $rules" -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:/" "$stage/"
for f in {{ required_config | shell_words }}; do
  [ -e "$stage$f" ] || { echo "the origin has no $f; refusing to go on" >&2; exit 1; }
done
echo "staged $(find "$stage" -type f | wc -l) configuration files"

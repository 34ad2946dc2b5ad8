{#- Put the origin's configuration in place on the target. The target's own files are kept once,
    in a backup, before the first overwrite: nothing of the fresh install is lost. -#}
{% include "templates/lib/host-state.sh" %}
bmf_state_check target sync # never overwrite a live target's configuration
stage={{ work_dir }}/stage/config
backup={{ work_dir }}/target-config-backup
{% include "templates/lib/private-dir.sh" %}bmf_private_dir {{ work_dir }} || exit 1
[ -d "$stage" ] || { echo "nothing staged: run the whole cold-sync phase" >&2; exit 1; }
if [ ! -e "$backup/.complete" ]; then
  rm -rf -- "$backup"
  mkdir -p -- "$backup"
  for path in {{ config_paths | shell_words }}; do
    for existing in $path; do
      [ -e "$existing" ] || [ -L "$existing" ] || continue
      # Relative to / (cp --parents resolves the parent directories from the current one).
      (cd / && e=${existing%/}; cp -a --parents -- "${e#/}" "$backup")
    done
  done
  touch -- "$backup/.complete"
fi
for path in {{ config_paths | shell_words }}; do
  case "$path" in
    */)
      # A directory (or every directory a glob such as /etc/bm-*/ matches among the origin's):
      # make it exactly the origin's. --checksum: a fresh install may hold files of the same
      # size and time as the origin's, with other content. A link the origin sent is not a
      # directory to follow (its trailing slash would make rsync copy what it points to here).
      for staged in "$stage"$path; do
        { [ -d "$staged" ] && [ ! -L "${staged%/}" ]; } || continue
        dest=${staged#"$stage"}
        mkdir -p -- "$dest"
        rsync -a --checksum --delete -- "$staged" "$dest"
      done
      ;;
    *)
      for staged in "$stage"$path; do
        [ -e "$staged" ] || [ -L "$staged" ] || continue
        dest=${staged#"$stage"}
        mkdir -p -- "$(dirname -- "$dest")"
        cp -a -- "$staged" "$dest"
      done
      ;;
  esac
done
echo "configuration applied (the target's own files are kept in $backup)"

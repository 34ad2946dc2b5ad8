{#- Bring the verified dumps to the target, and check them again after the transfer. -#}
{% include "templates/lib/origin-ssh.sh" %}
{% include "templates/lib/dump-check.sh" %}
stage={{ work_dir }}/stage/dump
umask 077
rm -rf -- "$stage"
{% include "templates/lib/private-dir.sh" %}bmf_private_dir {{ work_dir }} || exit 1
mkdir -p -- "$stage"
dumps={{ work_dir }}/dump/
{#- What the target's root reads and pg_restore loads is data: only the names this step expects
    (each database's directory archive, flat, and its manifest), and only
    regular files: -rt, neither -l nor -D, so rsync skips a symbolic link, a device or a FIFO
    rather than making one here for root to read through (--copy-links would follow a link on
    the origin instead). No -p, -o, -g: the files are root's, umask 077.
    --whole-file: a fresh dump shares nothing with a staged one (the stage was just emptied). #}
filters=()
for db in {{ databases | shell_words }}; do
  filters+=(--include="/$db.dir/" --include="/$db.dir/*" --include="/$db.sha256")
done
rsync -rt --whole-file --stats "${filters[@]}" --exclude='*' \
  -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:$dumps" "$stage/"
for db in {{ databases | shell_words }}; do
  bmf_dump_check "$stage" "$db" || exit 1
done
echo "dumps of" {{ databases | shell_words }} "on the target"

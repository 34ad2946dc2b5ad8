{#- Bring the verified dumps to the target, and check them again after the transfer. -#}
{% include "templates/lib/origin-ssh.sh" %}
{% include "templates/lib/dump-check.sh" %}
stage={{ work_dir }}/stage/dump
umask 077
rm -rf -- "$stage"
{% include "templates/lib/private-dir.sh" %}bmf_private_dir {{ work_dir }} || exit 1
mkdir -p -- "$stage"
dumps={{ work_dir }}/dump/
{#- --whole-file: a fresh dump shares nothing with a staged one (the stage was just emptied). #}
rsync -a --whole-file --stats -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:$dumps" "$stage/"
for db in {{ databases | shell_words }}; do
  bmf_dump_check "$stage" "$db" || exit 1
done
echo "dumps of" {{ databases | shell_words }} "on the target"

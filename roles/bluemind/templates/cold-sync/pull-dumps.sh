{#- Bring the verified dumps to the target, and check them again after the transfer. -#}
{% include "templates/lib/origin-ssh.sh" %}
stage={{ work_dir }}/stage/dump
umask 077
rm -rf -- "$stage"
{% include "templates/lib/private-dir.sh" %}bmf_private_dir {{ work_dir }} || exit 1
mkdir -p -- "$stage"
dumps={{ work_dir }}/dump/
rsync -a --stats -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:$dumps" "$stage/"
for db in {{ databases | shell_words }}; do
  [ -f "$stage/$db.sql.sha256" ] || { echo "the dump of $db came without its checksum" >&2; exit 1; }
  ( cd "$stage" && sha256sum --quiet --strict -c -- "$db.sql.sha256" ) || { echo "the dump of $db was damaged in transfer (sha256 differs from the origin's)" >&2; exit 1; }
  tail -n 5 -- "$stage/$db.sql" | grep -q '^-- PostgreSQL database dump complete' || { echo "the dump of $db was damaged in transfer" >&2; exit 1; }
done
echo "dumps of" {{ databases | shell_words }} "on the target"

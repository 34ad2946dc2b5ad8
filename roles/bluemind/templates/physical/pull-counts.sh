{#- The stopped origin's counts (count origin) travel with the dumps; the physical method has no
    dump to pull: they come alone, to where save-counts.sh takes them. -#}
{% include "templates/lib/origin-ssh.sh" %}
stage={{ work_dir }}/stage/dump
umask 077
{% include "templates/lib/private-dir.sh" %}bmf_private_dir {{ work_dir }} || exit 1
rm -rf -- "$stage"
mkdir -p -- "$stage"
counts={{ work_dir }}/dump/origin-counts.txt
rsync -a -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:$counts" "$stage/origin-counts.txt"
echo "$(wc -l <"$stage/origin-counts.txt") counts of the stopped origin on the target"

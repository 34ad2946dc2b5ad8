{#- The stopped origin's counts (pull-counts.sh): keep them on the target, for the verification
    below and for the post phase. -#}
umask 077
{% include "templates/lib/private-dir.sh" %}
bmf_private_dir {{ work_dir }} || exit 1
staged={{ work_dir }}/stage/counts/origin-counts.txt
[ -s "$staged" ] || { echo "the origin's counts did not arrive ($staged)" >&2; exit 1; }
# Data from the origin (pull-counts.sh copies no link): a regular file, or nothing is read.
{ [ -f "$staged" ] && [ ! -L "$staged" ]; } || { echo "the origin's counts ($staged) are not a regular file: refused" >&2; exit 1; }
mkdir -p -- {{ work_dir }}
cp -- "$staged" {{ work_dir }}/origin-counts.txt
wc -l <{{ work_dir }}/origin-counts.txt

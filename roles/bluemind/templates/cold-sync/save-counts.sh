{#- Keep the origin's counts on the target, for the post phase to compare against. -#}
umask 077
{% include "templates/lib/private-dir.sh" %}bmf_private_dir {{ work_dir }} || exit 1
mkdir -p -- {{ work_dir }}
printf '%s\n' {{ origin_counts }} >{{ work_dir }}/origin-counts.txt
wc -l <{{ work_dir }}/origin-counts.txt

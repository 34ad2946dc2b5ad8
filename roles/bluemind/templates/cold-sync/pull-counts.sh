{#- The stopped origin's counts (count origin), pulled alone to where save-counts.sh takes them,
    whichever way the databases travel. Alone, not with the dumps: a step after a skipped one
    still waits for what that one was after, so the physical method's password and count of the
    promoted copy waited, through the skipped restore and pull of dumps, for the origin's whole
    count (bench/README.md, 2026-12-07: the target's rows counted 11 s after the promotion).
    Data the target's root reads: a regular file only (-t, no -l: rsync skips a link rather than
    making one here to read through; save-counts.sh checks it again). -#}
{% include "templates/lib/origin-ssh.sh" %}
stage={{ work_dir }}/stage/counts
umask 077
{% include "templates/lib/private-dir.sh" %}bmf_private_dir {{ work_dir }} || exit 1
rm -rf -- "$stage"
mkdir -p -- "$stage"
counts={{ work_dir }}/dump/origin-counts.txt
rsync -t --no-links --no-devices --no-specials -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:$counts" "$stage/origin-counts.txt"
echo "$(wc -l <"$stage/origin-counts.txt") counts of the stopped origin on the target"

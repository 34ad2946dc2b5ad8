{#- The stopped target's counts (templates/lib/counts.sh), as soon as its spools and databases are
    final (its final rsync, restore or promotion, password), beside the origin's count: on two
    hosts the two counts overlap where the verification used to count the target after
    everything else. Written aside under this run's id; verify.sh compares them with the
    origin's and refuses counts of another run. Nothing of bmfleet writes to the spools or the
    databases' rows between here and the verification. -#}
{% include "templates/lib/counts.sh" %}
{% include "templates/lib/host-state.sh" %}
bmf_state_check target sync # a live target, an origin or another pair's host is never counted as the copy
umask 077
out={{ work_dir }}/target-counts.txt
rm -f -- "$out" "$out.partial"
{ printf 'run %s\n' "$bmf_state_run"; bm_counts; } >"$out.partial"
mv -f -- "$out.partial" "$out"
echo "$(($(wc -l <"$out") - 1)) counts of the stopped target"

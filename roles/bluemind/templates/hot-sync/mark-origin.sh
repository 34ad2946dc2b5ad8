{#- Before the target reads anything: the origin notes when this pass over the spools began (a
    hot sync's, or the cold sync's warm pass), for the final rsync's change lists
    (templates/lib/changes.sh). Kept as sync_mark_next in the origin's record until every
    spool's rsync succeeded (keep-mark.sh). Prints the pass's nonce, registered. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/clock.sh" %}
bmf_state_guard origin sync
nonce=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
bmf_state_set sync_mark_next="$(bmf_mark_now "$nonce")"
echo "$nonce"

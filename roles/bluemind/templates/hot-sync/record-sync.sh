{#- The target's end of a complete pass over the spools (a hot sync's, or the cold sync's warm
    pass): its mark, with the origin's nonce (keep-mark.sh), from which its own changes are
    listed. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/clock.sh" %}
bmf_state_guard target sync
nonce={{ origin_sync_mark }}
[[ $nonce =~ ^[0-9a-f]{32}$ ]] || { echo "unexpected mark from the origin: $nonce" >&2; exit 1; }
[ "${BMF_R[first_sync]-}" != started ] || BMF_R[first_sync]='done'
bmf_state_set sync_mark="$(bmf_mark_now "$nonce")"
echo "first sync of pair $bmf_state_pair: ${BMF_R[first_sync]-unrecorded}; the target's changes are listed from now on"

{#- The target stops first, alone, so that a refusal here leaves the origin serving. Its record
    must say it is this pair's target, not live, and that a hot sync of this pair ran into it
    (that is where the first-sync sanity check runs: the cold sync never is the first sync). -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/services.sh" %}
bmf_state_guard target sync {{ target_hostkey_pub }} {{ origin_hostkey_pub }}
if [ "${BMF_R[first_sync]-done}" = no ]; then
  bmf_refuse "no hot sync of pair $bmf_state_pair ever ran into this target: run \`bmfleet hot-sync\` first (it checks that the target is the fresh server)"
fi
bmf_state_set verified=no
bmctl stop
bm_postfix stop
echo "BlueMind and postfix stopped on the target"

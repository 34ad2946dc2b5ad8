{#- cutover_mode keep-address, last step of BlueMind's IP-change procedure (bluemind-doc,
    docs/Base_de_connaissance/Changement_d_adresse_IP_d_un_serveur_BlueMind.md, at the parent of
    ca60931): `bm-cli tick reconfigure` rewrites the TICK monitoring configuration of every server
    with the new address and reloads bm-nginx (parent/cli/net.bluemind.cli.metrics/src/net/bluemind/
    cli/metrics/TickReconfigureCommand.java: ITickConfiguration.reconfigure() followed by
    Tasks.follow, which prints "Fail to update tick configuration" on a failed task and still
    exits 0: the output is what says). -#}
{% include "templates/lib/one-of.sh" %}
bmf_one_of cutover_mode {{ cutover_mode }} keep-address
command -v bm-cli >/dev/null || {
  echo "BMFLEET-MANUAL: run bm-cli tick reconfigure on the target (no bm-cli on this host)"
  exit 3
}
out=$(bm-cli tick reconfigure 2>&1) || {
  printf '%s\n' "$out" >&2
  echo "BMFLEET-MANUAL: bm-cli tick reconfigure failed: run it again on the target once the core answers"
  exit 3
}
printf '%s\n' "$out"
if grep -q 'Fail to update tick configuration' <<<"$out"; then
  echo "BMFLEET-MANUAL: the TICK configuration was not updated (bm-cli tick reconfigure says so above): run it again on the target"
  exit 3
fi
echo "tick reconfigured for the target's address"

{#- The downtime ends here: the target serves. This is the point of no return, once the guards
    below passed (the marker line): from there the target's record says `live`, and bmfleet
    never syncs into it again.
    Before anything starts: the cold sync must have been verified on this target
    (cold-sync/verify.sh), and the copied bm.ini must point at this machine. bm.ini `host` is
    the database host the core connects to (BMPoolActivator.startPool reads `host` as dbHost:
    plugins/net.bluemind.pool/src/net/bluemind/pool/BMPoolActivator.java) and the core bm-cli
    drives (parent/cli/net.bluemind.cli.cmd.api/src/net/bluemind/cli/cmd/api/CliContext.java,
    default 127.0.0.1); `hz-member-address`, else `host`, is the cluster address the node
    announces (plugins/net.bluemind.hornetq.client/src/net/bluemind/hornetq/client/impl/ClusterNode.java,
    memberAddress()). The cold sync copied the origin's: a target that does not own that address
    yet would work on the origin's database (DOMAIN.md "What to read on a host").
    The same holds for the database's own record of the servers: bj's t_server.ip
    (parent/server/net.bluemind.server.sqlschema/sql/server-schema.1.0.0.sql) is the address
    every core -> node call uses: the postfix transport map's lmtp:<ip>:2400 (TransportMap.java,
    MapRow.java), 5.x message bodies through the bm-node (SpoolBackingStore.java), the firewall
    (RulesUpdater.java), nginx, Elasticsearch (DOMAIN.md "Second reading of the source"). The
    console cannot edit it: each must be an address of this target.
    BlueMind first, postfix last: postfix hands mail to BlueMind (lmtp, milter), so it must not
    accept mail before BlueMind runs. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/bm-ini.sh" %}
{% include "templates/lib/services.sh" %}
bmf_bm_ini_own() {
  # Is every address bm.ini's KEY names one of this host's (loopback counts as its own)?
  local key=$1 value own addrs a ini={{ bm_ini }}
  value=$(bm_ini_get "$key")
  [ -n "$value" ] || return 0
  case "$value" in 127.0.0.1 | ::1 | localhost) return 0 ;; esac
  own=$(ip -o addr show | awk '{split($4, a, "/"); print a[1]}')
  if [[ $value =~ ^[0-9.]+$ || $value == *:* ]]; then
    addrs=$value
  else
    addrs=$(getent ahosts "$value" | awk '{print $1}' | sort -u)
    [ -n "$addrs" ] || bmf_refuse "bm.ini $key = $value does not resolve on the target: BlueMind would not find its database; set $key in $ini to this target's address"
  fi
  for a in $addrs; do
    case "$a" in 127.* | ::1) continue ;; esac
    grep -qxF -- "$a" <<<"$own" || bmf_refuse "bm.ini $key = $value ($a) is not an address of this target (it has: ${own//$'\n'/ }). Started now, its BlueMind core would use the database at $a, the origin's (the cold sync copied the origin's bm.ini). Nothing was started. Give the target the origin's address first (cutover_mode ip, netplan or ifupdown, or by hand), or set $key in $ini to this target's own address"
  done
}
bmf_server_ips_own() {
  # Is every t_server.ip of the restored bj one of this host's addresses (loopback counts)?
  local rows own ip tags
  rows=$(bm_pg -d bj -At -F ' ' -c "SELECT coalesce(ip, ''), coalesce(array_to_string(tags, ','), '') FROM t_server ORDER BY 1") ||
    bmf_refuse "cannot read t_server in the restored bj database: the servers' addresses BlueMind will use are unknown. Nothing was started"
  own=$(ip -o addr show | awk '{split($4, a, "/"); print a[1]}')
  while read -r ip tags; do
    case "$ip" in '' | 127.* | ::1 | localhost) continue ;; esac
    grep -qxF -- "$ip" <<<"$own" || bmf_refuse "t_server.ip $ip (server tags ${tags:-none}) in the restored bj is not an address of this target (it has: ${own//$'\n'/ }). Started now, BlueMind would route mail (lmtp:$ip:2400), store messages and open its firewall for the origin's address (the cold sync copied the origin's database). Nothing was started. Give the target that address first (cutover_mode ip, netplan or ifupdown, or by hand), then run post again; or keep the target's own address with cutover_mode keep-address, which rewrites it before this step"
  done <<<"$rows"
}
bmf_state_guard target start
bmf_bm_ini_own host
bmf_bm_ini_own hz-member-address
bmf_server_ips_own
# Every guard passed: the target becomes live, the pair is past its point of no return (bmfleet
# reads this line from a `point_of_no_return` step only, src/exec/rollback.rs). A guard that
# refused above left it before that point: nothing was started, rollback is allowed.
echo BMFLEET-POINT-OF-NO-RETURN
bmf_state_set stage=live
bmctl start
bm_postfix start
echo "BlueMind and postfix started on the target: it is live for pair $bmf_state_pair"

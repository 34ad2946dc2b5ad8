{#- cutover_mode keep-address: the target keeps its own address (a tenant moved to another data
    centre cannot take the old one), so BlueMind's own IP-change procedure runs on the target
    before it starts. The procedure is BlueMind's knowledge-base page "Changement d'adresse IP d'un
    serveur BlueMind" (bluemind-net/bluemind-doc,
    docs/Base_de_connaissance/Changement_d_adresse_IP_d_un_serveur_BlueMind.md, removed from the
    tree by commit ca60931, read at its parent): with BlueMind stopped and PostgreSQL up,
    - bm.ini `host` and `hz-member-address` (BMPoolActivator.java reads `host` as the database
      host, ClusterNode.java memberAddress() `hz-member-address`);
    - bj: `t_server.ip` (server-schema.1.0.0.sql: the address of every core -> node call, the
      transport map's lmtp:<ip>:2400 in TransportMap.java), roundcube's `rc_users.mail_host`
      (4.x webmail, roundcube-schema.1.0.0.sql) and t_systemconf's `host` and `hz-member-address`
      (systemconf-schema.1.0.0.sql: one hstore row `configuration`);
    - /etc/cyrus-replication `core_sync_host` (4.x with Cyrus);
    then BlueMind starts ("start target services", which checks every address again) and the
    firewall, the postfix maps and "My networks" are saved again (the post phase's next steps),
    then `bm-cli tick reconfigure` (TickReconfigureCommand.java; step "tick reconfigure").
    The old address is the one the restored bj names and this host does not own: the origin's. A
    second run finds none and only repeats what the operator must switch in DNS. Addresses read
    from the database are data: checked to be addresses before use, passed to psql as variables
    (quoted by psql) and to sed/awk through the environment, never as code. -#}
{% include "templates/lib/one-of.sh" %}
bmf_one_of cutover_mode {{ cutover_mode }} keep-address
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/bm-ini.sh" %}
bmf_state_guard target start
ini={{ bm_ini }}
new={{ cutover_address }}
if [ -z "$new" ]; then
  # the target's own address: the source address of its default route, else its one global address
  # (no default route: `ip route get` fails, which must not end the step under pipefail)
  new=$({ ip -o route get 192.0.2.1 2>/dev/null || true; } | sed -n 's/.* src \([^ ]*\).*/\1/p')
  if [ -z "$new" ]; then
    global=$(ip -o addr show scope global | awk '{split($4, a, "/"); print a[1]}' | sort -u)
    [ "$(wc -l <<<"$global")" -eq 1 ] && new=$global
  fi
fi
bmf_is_address() { [[ $1 =~ ^[0-9A-Fa-f.:]{2,39}$ ]]; }
bmf_is_address "$new" || { echo "keep-address: cannot tell this target's own address (got '$new'): set cutover_address to it" >&2; exit 2; }
own=$(ip -o addr show | awk '{split($4, a, "/"); print a[1]}')
grep -qxF -- "$new" <<<"$own" || { echo "keep-address: $new is not an address of this target (it has: ${own//$'\n'/ }): set cutover_address to one of them" >&2; exit 2; }
rows=$(bm_pg -d bj -At -F ' ' -c "SELECT DISTINCT coalesce(ip, '') FROM t_server ORDER BY 1") || {
  echo "keep-address: cannot read t_server in the restored bj database" >&2
  exit 1
}
old=
while read -r ip; do
  case "$ip" in '' | 127.* | ::1 | localhost) continue ;; esac
  grep -qxF -- "$ip" <<<"$own" && continue
  bmf_is_address "$ip" || { echo "keep-address: t_server.ip '$ip' is not an address: nothing was changed" >&2; exit 1; }
  [ -z "$old" ] || { echo "keep-address: the restored bj names several addresses this target does not own ($old, $ip): keep-address moves a single-server installation; change them by hand (BlueMind's IP-change procedure), nothing was changed" >&2; exit 1; }
  old=$ip
done <<<"$rows"
if [ -n "$old" ]; then
  # bm.ini first: its `host` is also where bm_pg's password comes from, not where it connects
  # (bm_pg connects to localhost).
  cp -p "$ini" "$ini.bmfleet-keep-address"
  OLD=$old NEW=$new awk -F= 'BEGIN { OFS = "=" }
    { k = $1; gsub(/[[:space:]]/, "", k)
      v = substr($0, index($0, "=") + 1); gsub(/^[[:space:]"'"'"']+|[[:space:]"'"'"']+$/, "", v)
      if ((k == "host" || k == "hz-member-address") && v == ENVIRON["OLD"]) { print k, ENVIRON["NEW"]; next }
      print }' "$ini.bmfleet-keep-address" >"$ini.bmfleet-new"
  chmod --reference="$ini.bmfleet-keep-address" "$ini.bmfleet-new"
  chown --reference="$ini.bmfleet-keep-address" "$ini.bmfleet-new"
  mv -f "$ini.bmfleet-new" "$ini"
  # t_systemconf: BlueMind's one hstore row `configuration`; a key/value table is also read
  # (the bmfleet fleet's stand-in keeps one row per key).
  shape=$(bm_pg -d bj -At -c "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM information_schema.columns WHERE table_name = 't_systemconf'") || shape=
  case ",$shape," in
    *,configuration,*) sysconf="UPDATE t_systemconf SET configuration = configuration || hstore('host', :'new') || hstore('hz-member-address', :'new');" ;;
    *,key,*) sysconf="UPDATE t_systemconf SET value = :'new' WHERE key IN ('host', 'hz-member-address') AND value = :'old';" ;;
    *) sysconf= ;;
  esac
  bm_pg -d bj -v ON_ERROR_STOP=1 -v old="$old" -v new="$new" >/dev/null <<SQL
BEGIN;
SELECT set_config('bmfleet.old', :'old', true), set_config('bmfleet.new', :'new', true);
UPDATE t_server SET ip = :'new' WHERE ip = :'old';
$sysconf
DO \$\$ BEGIN
  IF to_regclass('rc_users') IS NOT NULL THEN
    EXECUTE 'UPDATE rc_users SET mail_host = \$1 WHERE mail_host = \$2' USING current_setting('bmfleet.new'), current_setting('bmfleet.old');
  END IF;
END \$\$;
COMMIT;
SQL
  if [ -f /etc/cyrus-replication ]; then
    OLD=$old NEW=$new awk '{ if (match($0, /^[[:space:]]*core_sync_host[[:space:]]*[:=][[:space:]]*/) && index($0, ENVIRON["OLD"])) { print substr($0, 1, RLENGTH) ENVIRON["NEW"]; next } print }' /etc/cyrus-replication >/etc/cyrus-replication.bmfleet-new
    cat /etc/cyrus-replication.bmfleet-new >/etc/cyrus-replication
    rm -f /etc/cyrus-replication.bmfleet-new
  fi
  echo "keep-address: $old (the origin's) rewritten to $new in $ini (host, hz-member-address), bj's t_server.ip and t_systemconf"
else
  echo "keep-address: no address of the origin left in $ini or t_server: nothing to rewrite"
fi
# What still names the old address is outside BlueMind: the DNS records.
names=$(bm_pg -d bj -At -c "SELECT string_agg(DISTINCT fqdn, ' ') FROM t_server WHERE fqdn IS NOT NULL AND fqdn <> ''") || names=
external=$(sed -n 's/^[[:space:]]*external-url[[:space:]]*=[[:space:]]*//p' "$ini" | tail -n 1 | tr -cd 'A-Za-z0-9.-')
domains=$(bm_pg -d bj -At -c "SELECT string_agg(name, ' ' ORDER BY name) FROM t_domain WHERE name <> 'global.virt'" 2>/dev/null) || domains=
line="BMFLEET-MANUAL: switch DNS to the target's address $new${old:+ (was $old)}: the A/AAAA records of ${external:-the external URL} ${names:-} (webmail, ActiveSync, DAV, IMAP, SMTP clients), and the MX records of ${domains:-every mail domain} if they name another host at the old address; then check \"My networks\" in Admin console > System configuration does not trust the old address"
# one line without control characters (domain names may be UTF-8): what the database holds is
# data, never a second line
printf '%s\n' "$(tr -d '\000-\037\177' <<<"$line")"

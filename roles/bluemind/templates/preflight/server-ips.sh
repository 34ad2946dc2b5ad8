{#- Will every server address of the origin's database be an address of the target once it starts?
    bj's t_server.ip (parent/server/net.bluemind.server.sqlschema/sql/server-schema.1.0.0.sql) is
    the address BlueMind's core uses for every call to a node: mail routing (the transport map's
    lmtp:<ip>:2400), 5.x message storage, the firewall, nginx, Elasticsearch (DOMAIN.md "Second
    reading of the source"). The cold sync copies the origin's rows to the target, and the console
    cannot edit them. "start target services" refuses to start while one is not the target's; this
    check says so now, as a warning (exit 3): the address can still be moved before post.
    origin_server_ips: "ip tags" lines read on the origin ("origin server addresses"). With a
    cutover_mode other than none, the target takes cutover_address (else the origin's address)
    at cutover (cutover/take-address.sh): that address counts as the target's. With keep-address,
    post rewrites the one address of the origin to the target's own before it starts
    (post/keep-address.sh, BlueMind's IP-change procedure): a single foreign address is fine,
    several are not (a multi-server installation is moved by hand). -#}
{% include "templates/lib/one-of.sh" %}
bmf_one_of cutover_mode {{ cutover_mode }} none ip netplan ifupdown keep-address
mode={{ cutover_mode }}
servers={{ origin_server_ips }}
own=$(ip -o addr show | awk '{split($4, a, "/"); print a[1]}')
{% if cutover_mode != "none" and cutover_mode != "keep-address" -%}
taken={% if cutover_address %}{{ cutover_address }}{% else %}{{ origin.host }}{% endif %}
# the origin's address may be a name: what it resolves to here
own=$(printf '%s\n%s\n' "$own" "$taken"; getent ahosts "$taken" | awk '{print $1}' | sort -u)
{%- endif %}
missing=
while read -r ip tags; do
  case "$ip" in '' | 127.* | ::1 | localhost) continue ;; esac
  if grep -qxF -- "$ip" <<<"$own"; then
    echo "t_server.ip $ip (tags ${tags:-none}): the target's{% if cutover_mode != "none" and cutover_mode != "keep-address" %} once it took the address at cutover{% endif %}"
  else
    missing="$missing $ip (tags ${tags:-none})"
    missing_ips=$(printf '%s\n%s' "${missing_ips:-}" "$ip" | sed '/^$/d' | sort -u)
  fi
done <<<"$servers"
{% if cutover_mode == "keep-address" -%}
if [ -n "$missing" ] && [ "$(wc -l <<<"$missing_ips")" -eq 1 ]; then
  echo "t_server.ip$missing: rewritten to the target's own address at post, before it starts (cutover_mode keep-address: BlueMind's IP-change procedure); you switch DNS then"
  missing=
elif [ -n "$missing" ]; then
  {#- post/keep-address.sh would refuse after the cutover's point of no return (the origin
      retired, the target not started): refused here, while nothing has changed. #}
  echo "t_server.ip of the origin's bj names several addresses the target does not own:$missing. cutover_mode keep-address rewrites a single-server installation only, and post would refuse after the origin is retired; move this one by hand, or give the target the address with cutover_mode ip, netplan or ifupdown" >&2
  exit 1
fi
{% endif -%}
if [ -n "$missing" ]; then
  echo "t_server.ip of the origin's bj names addresses the target will not have when post starts it:$missing (target: ${own//$'\n'/ }; cutover_mode $mode). BlueMind uses them for mail routing, message storage and its firewall, and \"start target services\" will refuse. Before post, give the target that address: cutover_mode ip, netplan or ifupdown (with cutover_address set to it when it is not the origin's inventory address), or move it by hand; or keep the target's own address with cutover_mode keep-address (BlueMind's IP-change procedure, a single-server installation)"
  exit 3
fi

{#- The target takes the origin's address, through the network stack the inventory names. -#}
{% include "templates/lib/one-of.sh" %}
bmf_one_of cutover_mode {{ cutover_mode }} ip netplan ifupdown
{% include "templates/lib/host-state.sh" %}
bmf_state_guard target cutover && bmf_state_set stage=live # point of no return: verified before, live from here
address={% if cutover_address %}{{ cutover_address }}{% else %}{{ origin.host }}{% endif %}
prefix={{ cutover_prefix }}
iface={{ cutover_interface }}
[ -n "$iface" ] || iface=$(ip route show default | awk '!f {print $5; f = 1}')
[ -n "$iface" ] || iface=$(ip -o link show | awk -F': ' '$2 != "lo" && !f {print $2; f = 1}' | cut -d@ -f1)
[ -n "$iface" ] || { echo "cannot tell which interface takes $address: set cutover_interface" >&2; exit 1; }
# These values become configuration (an ifupdown stanza, netplan YAML): one line of allowed
# characters each, or a newline would add `up <command>` to the stanza.
case "$address" in *[!0-9A-Fa-f.:]* | '') echo "cutover_address must be an IPv4 or IPv6 address: $address" >&2; exit 2 ;; esac
case "$prefix" in *[!0-9]* | '' | ????*) echo "cutover_prefix must be a number of bits: $prefix" >&2; exit 2 ;; esac
[ "$prefix" -le 128 ] || { echo "cutover_prefix must be at most 128: $prefix" >&2; exit 2; }
case "$iface" in *[!A-Za-z0-9_.-]* | '' | -*) echo "unusable interface name (letters, digits, _ . -): $iface" >&2; exit 2 ;; esac
# Wait for the origin to let the address go (it releases it a moment after its step).
for _ in $(seq 1 30); do
  ping -c 1 -W 1 "$address" >/dev/null 2>&1 || break
  sleep 1
done
{% if cutover_mode == "ip" %}
ip addr replace "$address/$prefix" dev "$iface"
{% elif cutover_mode == "netplan" %}
cat >/etc/netplan/90-bmfleet-cutover.yaml <<NETPLAN
# Written by bmfleet: this server took over $address from the migrated origin.
network:
  version: 2
  ethernets:
    $iface:
      addresses: [$address/$prefix]
NETPLAN
chmod 600 /etc/netplan/90-bmfleet-cutover.yaml
netplan apply
{% elif cutover_mode == "ifupdown" %}
cat >/etc/network/interfaces.d/bmfleet-cutover <<IFUPDOWN
# Written by bmfleet: this server took over $address from the migrated origin.
auto $iface:bmfleet
iface $iface:bmfleet inet static
    address $address/$prefix
IFUPDOWN
ifup "$iface:bmfleet"
{% else %}
bmf_one_of cutover_mode {{ cutover_mode }} ip netplan ifupdown
{% endif %}
if command -v arping >/dev/null; then arping -c 3 -U -I "$iface" "$address" >/dev/null 2>&1 || true; fi
echo "the target holds $address/$prefix on $iface"

{#- The origin gives up its address. Our own SSH session uses that address, so the change is
    made a moment after this step returns. -#}
{% include "templates/lib/one-of.sh" %}
bmf_one_of cutover_mode {{ cutover_mode }} ip netplan ifupdown
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/services.sh" %}
bmf_state_check origin cutover # only this pair's origin gives its address away
address={% if cutover_address %}{{ cutover_address }}{% else %}{{ origin.host }}{% endif %}
case "$address" in *[!0-9A-Fa-f.:]* | '') echo "cutover_address must be an IPv4 or IPv6 address: $address" >&2; exit 2 ;; esac
# awk reads to the end (no `exit`): an early exit kills ip with SIGPIPE, and pipefail made the
# step fail with 141 now and then (seen in tests/fleet_mail.rs).
iface=$(ip -o addr show | awk -v a="$address" '{split($4, p, "/")} p[1] == a && !f {print $2; f = 1}')
[ -n "$iface" ] || { echo "the origin holds no address $address" >&2; exit 1; }
case "$iface" in *[!A-Za-z0-9_.@-]* | '' | -*) echo "unusable interface name: $iface" >&2; exit 1 ;; esac
iface=${iface%%@*}
prefix=$(ip -o addr show dev "$iface" | awk -v a="$address" '{split($4, p, "/")} p[1] == a && !f {print p[2]; f = 1}')
case "$prefix" in *[!0-9]* | '') echo "cannot read the prefix of $address on $iface" >&2; exit 1 ;; esac
# Every check passed: the address goes, the pair is past its point of no return (bmfleet reads
# this line from a `point_of_no_return` step only, src/exec/rollback.rs).
echo BMFLEET-POINT-OF-NO-RETURN
{% if cutover_mode == "ip" %}
# The values go to the second shell as arguments, never as its code.
# shellcheck disable=SC2016 # $1, $2 and $3 are the inner sh's arguments
nohup sh -c 'sleep 2; ip addr del "$1/$2" dev "$3"' _ "$address" "$prefix" "$iface" >/dev/null 2>&1 &
echo "the origin releases $address/$prefix on $iface in 2 s"
{% elif cutover_mode == "netplan" or cutover_mode == "ifupdown" %}
if bmf_systemd; then poweroff='systemctl poweroff'; else poweroff=poweroff; fi
nohup sh -c "sleep 2; $poweroff" >/dev/null 2>&1 &
echo "the origin powers off in 2 s (its address $address/$prefix moves to the target)"
{% else %}
bmf_one_of cutover_mode {{ cutover_mode }} ip netplan ifupdown
{% endif %}

{#- The origin gives up its address. Our own SSH session uses that address, so the change is
    made a moment after this step returns. -#}
{% include "templates/lib/host-state.sh" %}
bmf_state_check origin cutover # only this pair's origin gives its address away
address={% if cutover_address %}{{ cutover_address }}{% else %}{{ origin.host }}{% endif %}
iface=$(ip -o addr show | awk -v a="$address" '{split($4, p, "/")} p[1] == a {print $2; exit}')
[ -n "$iface" ] || { echo "the origin holds no address $address" >&2; exit 1; }
prefix=$(ip -o addr show dev "$iface" | awk -v a="$address" '{split($4, p, "/")} p[1] == a {print p[2]; exit}')
{% if cutover_mode == "ip" %}
nohup sh -c "sleep 2; ip addr del $address/$prefix dev $iface" >/dev/null 2>&1 &
echo "the origin releases $address/$prefix on $iface in 2 s"
{% else %}
nohup sh -c "sleep 2; systemctl poweroff || poweroff" >/dev/null 2>&1 &
echo "the origin powers off in 2 s (its address $address/$prefix moves to the target)"
{% endif %}

{#- The address the target's connections to the origin leave from: the origin's pg_hba admits
    replication from that address only (/32, /128). Asked of the kernel's routing table for the
    address the rsyncs use (lib/origin-ssh.sh), so that it is the address the origin sees. -#}
{% include "templates/lib/origin-ssh.sh" %}
ip=$(getent ahosts "$bmfleet_origin_host" | awk 'NR == 1 { print $1 }')
[ -n "$ip" ] || { echo "cannot resolve the origin's address $bmfleet_origin_host" >&2; exit 1; }
src=$(ip -o route get "$ip" | sed -n 's/.* src \([0-9A-Fa-f.:]*\).*/\1/p')
[[ $src =~ ^[0-9A-Fa-f.:]{2,45}$ ]] || { echo "no source address toward the origin $ip (ip route get)" >&2; exit 1; }
echo "$src"

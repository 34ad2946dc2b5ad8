{#- Can the target open the origin's SSH port (the path every rsync will take)? -#}
{% include "templates/lib/origin-ssh.sh" %}
# shellcheck disable=SC2016 # $1 and $2 are the inner bash's arguments
if command -v timeout >/dev/null && timeout 10 bash -c 'exec 3<>"/dev/tcp/$1/$2" && head -c 4 <&3' _ "$bmfleet_origin_host" "$bmfleet_origin_port" 2>/dev/null | grep -q '^SSH-'; then
  echo "target reaches $bmfleet_origin_host:$bmfleet_origin_port"
else
  echo "the target cannot open $bmfleet_origin_host:$bmfleet_origin_port (firewall, routing, or set origin_address)" >&2
  exit 1
fi

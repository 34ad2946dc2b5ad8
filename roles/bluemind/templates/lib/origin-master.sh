{#- Open the connection every rsync of the phase shares: seven transfers then cost one SSH
    handshake, not seven. Kept for 5 minutes of idleness; `trust --revoke` closes it. -#}
{% include "templates/lib/origin-ssh.sh" %}
if ! $bmfleet_origin_ssh -O check "$bmfleet_origin" 2>/dev/null; then
  $bmfleet_origin_ssh -M -N -f "$bmfleet_origin" </dev/null >/dev/null 2>&1
fi
echo "connected to the origin $bmfleet_origin_host"

{#- Open the connection every rsync of the phase shares: seven transfers then cost one SSH
    handshake, not seven. Kept for 5 minutes of idleness; `trust --revoke` closes it. -#}
{% include "templates/lib/origin-ssh.sh" %}
if ! $bmfleet_origin_ssh -O check "$bmfleet_origin_login" 2>/dev/null; then
  log=$(mktemp)
  # -E: ssh's own messages go to a file (the backgrounded master must not hold our output open).
  if ! $bmfleet_origin_ssh -M -N -f -E "$log" "$bmfleet_origin_login" </dev/null >/dev/null 2>&1; then
    cat -- "$log" >&2
    rm -f -- "$log"
    echo "the target cannot log in to its origin with the migration key: run \`bmfleet trust\` first (it is revoked after the cold sync)" >&2
    exit 1
  fi
  rm -f -- "$log"
fi
echo "connected to the origin $bmfleet_origin_host"

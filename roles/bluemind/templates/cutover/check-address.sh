{#- From the controller: the SSH server answering at the origin's address must now be the
    target (same host key as the one verified on the target's own connection). -#}
{% include "templates/lib/one-of.sh" %}
bmf_one_of cutover_mode {{ cutover_mode }} ip netplan ifupdown
address={% if cutover_address %}{{ cutover_address }}{% else %}{{ origin.host }}{% endif %}
expected=$(printf '%s\n' {{ target_hostkey_pub }} | awk '{print $1, $2}')
type=${expected%% *}
seen=$(ssh-keyscan -T 5 -t "$type" -p {{ origin.port }} "$address" 2>/dev/null | awk '{print $2, $3}')
if [ "$seen" = "$expected" ]; then
  echo "the target answers at $address"
else
  echo "$address does not answer with the target's host key yet" >&2
  exit 1
fi

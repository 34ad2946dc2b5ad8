{#- The same machine under two names (two addresses, a NAT, an ssh alias) passes every other
    check. The origin writes a fresh random word into its own state directory; the target then
    looks for it in its own: found means one machine. Harmless to the origin: a file of
    bmfleet's own, in the root-only /var/lib/bmfleet/state (written under --check too). -#}
{% include "templates/lib/host-state.sh" %}
bmf_private_dir "$bmf_state_dir"
nonce=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
[[ $nonce =~ ^[0-9a-f]{32}$ ]] || { echo "cannot draw a random nonce" >&2; exit 1; }
tmp=$(mktemp "$bmf_state_dir/.nonce.XXXXXX")
printf '%s\n' "$nonce" >"$tmp"
mv -f -- "$tmp" "$bmf_state_dir/nonce.$bmf_state_pair"
echo "$nonce"

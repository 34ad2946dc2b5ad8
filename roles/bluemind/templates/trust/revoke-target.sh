{#- Close the shared connection to the origin (it would outlive the key), then remove the key
    and the dedicated known_hosts. -#}
ssh -o ControlPath={{ trust_control_path }} -O exit bmfleet-origin 2>/dev/null || true
key={{ trust_key_file }}
rm -f -- "$key" "$key.pub" {{ trust_known_hosts }} {{ trust_control_path }}
echo "removed the migration key, its known_hosts and its shared connection from the target"

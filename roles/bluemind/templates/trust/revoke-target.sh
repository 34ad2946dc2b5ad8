key={{ trust_key_file }}
rm -f -- "$key" "$key.pub" {{ trust_known_hosts }}
echo "removed the migration key and known_hosts of the target"

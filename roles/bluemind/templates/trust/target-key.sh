{#- A key of the target's root dedicated to this migration (created once, reused by reruns). -#}
key={{ trust_key_file }}
umask 077
mkdir -p -- "$(dirname -- "$key")"
if [ ! -f "$key" ]; then
  ssh-keygen -q -t ed25519 -N '' -C {{ trust_comment ~ ":" ~ pair.name }} -f "$key"
fi
cat -- "$key.pub"

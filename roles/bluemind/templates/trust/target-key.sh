{#- A key of the target's root dedicated to this migration (created once, reused by reruns). -#}
{% include "templates/lib/host-state.sh" %}
bmf_state_check target sync {{ target_hostkey_pub }} {{ origin_hostkey_pub }} # the identities recorded at preflight, not live
key={{ trust_key_file }}
comment={{ trust_comment ~ ":" ~ pair.name }}
# The comment marks the key on the origin, where revoking finds it: one plain word.
case "$comment" in *[!A-Za-z0-9._:@-]*) echo "trust_comment must be letters, digits and . _ : @ -" >&2; exit 2 ;; esac
umask 077
mkdir -p -- "$(dirname -- "$key")"
if [ ! -f "$key" ]; then
  ssh-keygen -q -t ed25519 -N '' -C "$comment" -f "$key"
fi
cat -- "$key.pub"

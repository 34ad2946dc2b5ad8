{#- How this pair's databases travel, as the target's record says (preflight chose and recorded
    it: preflight/db-sync.sh): `physical` or `dump`. A record from before the method existed
    says nothing: dump, today's method. Read-only. -#}
{% include "templates/lib/host-state.sh" %}
method=dump
if bmf_state_own && [ "${BMF_R[role]}" = target ]; then method=${BMF_R[db_sync]-dump}; fi
echo "$method"

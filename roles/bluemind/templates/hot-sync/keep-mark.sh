{#- Every spool copied: the origin's mark (mark-origin.sh) becomes the one the final rsync lists
    changes against, then the target notes when the pass ended (record-sync.sh; the same nonce
    on both). A pass that stops between the two leaves them different, and the final rsync walks
    every spool. -#}
{% include "templates/lib/host-state.sh" %}
bmf_state_guard origin sync
nonce={{ origin_sync_mark }}
next=${BMF_R[sync_mark_next]-}
if [ "${next%%@*}" != "$nonce" ]; then
  echo "the origin's record holds another hot sync's mark ($next): the next final rsync walks every spool" >&2
  exit 3
fi
bmf_state_set sync_mark="$next" sync_mark_next=none
since=${next#*@}
echo "final rsync lists the origin's changes since $(date -u -d "@${since%%@*}" +%Y-%m-%dT%H:%M:%SZ)"

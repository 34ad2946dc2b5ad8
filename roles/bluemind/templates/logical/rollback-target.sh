{#- Rollback of the logical method on the target, from its record (pg_sub): each subscription
    goes without touching the origin (close-origin.sh drops its slot there), then the database it
    fed (<db>__bmfleet_new), then the password file. The target's own databases were never
    touched before the freeze's swap (catch-up.sh), which keeps them under another name, as a
    restore does. Idempotent. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/pg-cluster.sh" %}
{% include "templates/logical/lib.sh" %}
bmf_state_guard target sync {{ target_hostkey_pub }} {{ origin_hostkey_pub }}
if [ -z "${BMF_R[pg_sub]-}" ]; then
  echo "no subscription on the target"
  exit 0
fi
datadir=$(bmf_pgsu -c 'SHOW data_directory') || { echo "the target's PostgreSQL does not answer: its subscriptions to the origin are still there; run \`bmfleet rollback\` again once it runs" >&2; exit 1; }
n=0
for db in {{ databases | shell_words }}; do
  n=$((n + 1))
  bmf_logical_discard "$db" "$n" || exit 1
done
rm -f -- "$(dirname -- "$datadir")/bmfleet_$bmf_pg_pair.pgpass"
bmf_state_set pg_sub=none
echo "the target's subscriptions to the origin and the databases they fed are gone"

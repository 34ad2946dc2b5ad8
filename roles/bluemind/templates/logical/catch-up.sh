{#- The freeze of the logical method, on the target, for each database: prove that its
    subscription applied everything the stopped origin wrote (final-lsn.sh gave the origin's
    last WAL position once BlueMind stopped: the subscription's slot on the origin must have
    confirmed it, every table past its first copy), copy the sequences (logical replication
    carries rows, never a sequence's state: each takes the origin's last_value and is_called,
    read as numbers, set on the target's own copy by oid), drop the subscription (its slot on the
    origin goes with it), then put the copy in place of the target's database by renaming
    (lib/db-swap.sh: the target's own is kept under another name). Bounded wait
    (db_sync_catchup_secs): a subscription that does not catch up fails the pair here, before
    the point of no return, and rollback gives the origin back. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/pg-cluster.sh" %}
{% include "templates/lib/origin-ssh.sh" %}
{% include "templates/lib/db-swap.sh" %}
{% include "templates/logical/origin-sql.sh" %}
bmf_state_check target sync
read -r _ lsn _ <<<{{ origin_final_lsn }}
[[ $lsn =~ ^[0-9A-F]{1,8}/[0-9A-F]{1,8}$ ]] || { echo "unexpected final position from the origin" >&2; exit 1; }
wait_secs={{ db_sync_catchup_secs }}
case "$wait_secs" in '' | *[!0-9]*) echo "db_sync_catchup_secs must be a number of seconds" >&2; exit 2 ;; esac
# The origin's port, as the hot sync subscribed (logical/subscribe.sh wrote it there).
port=$(bmf_pgsu -c "SELECT substring(subconninfo from ' port=([0-9]{1,5}) ') FROM pg_subscription WHERE subname = '${bmf_pg_slot}_1'")
[[ $port =~ ^[0-9]{1,5}$ ]] || { echo "no subscription of the hot sync with a port of the origin on the target: run the hot sync first" >&2; exit 1; }
datadir=$(bmf_pgsu -c 'SHOW data_directory') || { echo "the target's PostgreSQL does not answer" >&2; exit 1; }
pass=$(dirname -- "$datadir")/bmfleet_$bmf_pg_pair.pgpass
user=$(cd / && runuser -u postgres -- cut -d: -f4 -- "$pass")
[[ $user =~ ^[A-Za-z_][A-Za-z0-9_-]*$ ]] || { echo "no usable login toward the origin in $pass: run the hot sync again" >&2; exit 1; }
bmf_pgdb() { local db=$1; shift; (cd / && runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"); }
start=$(date +%s)
n=0
for db in {{ databases | shell_words }}; do
  n=$((n + 1))
  new="${db}__bmfleet_new" sub="${bmf_pg_slot}_$n"
  [ "$(bmf_pgsu -c "SELECT count(*) FROM pg_subscription WHERE subname = '$sub'")" = 1 ] ||
    { echo "$db: no subscription $sub on the target: run the hot sync first" >&2; exit 1; }
  until [ "$(bmf_pgdb "$new" -c "SELECT count(*) FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = '$sub' AND r.srsubstate <> 'r'")" = 0 ] &&
    [ "$(bmf_origin_sql "$db" "SELECT coalesce(bool_and(confirmed_flush_lsn >= '$lsn'), false) FROM pg_replication_slots WHERE slot_name = '$sub'")" = t ]; do
    if [ $(( $(date +%s) - start )) -ge "$wait_secs" ]; then
      echo "$db: the subscription $sub did not confirm the origin's last position $lsn in $wait_secs s (the origin is given back by rollback)" >&2
      exit 1
    fi
    sleep 0.2
  done
  # The sequences, named from the target's own copy of the schema, read on the origin as numbers.
  query=$(bmf_pgdb "$new" -c "SELECT string_agg(format('SELECT %s, last_value, is_called FROM %I.%I', c.oid, n.nspname, c.relname), ' UNION ALL ')
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND c.relpersistence = 'p'")
  set_values=() copied=0
  if [ -n "$query" ]; then
    while IFS='|' read -r oid value called; do
      [[ $oid =~ ^[0-9]+$ && $value =~ ^-?[0-9]+$ && $called =~ ^[tf]$ ]] || { echo "$db: unexpected sequence state from the origin" >&2; exit 1; }
      set_values+=("($oid, $value, $([ "$called" = t ] && echo true || echo false))")
      copied=$((copied + 1))
    done < <(bmf_origin_sql "$db" "$query" || echo "error")
    values=$(IFS=,; echo "${set_values[*]}")
    bmf_pgdb "$new" -c "SELECT count(pg_catalog.setval(v.oid::regclass, v.value, v.called)) FROM (VALUES $values) AS v(oid, value, called)" >/dev/null ||
      { echo "$db: cannot set the sequences of $new" >&2; exit 1; }
  fi
  bmf_pgdb "$new" -c "DROP SUBSCRIPTION $sub" >/dev/null || { echo "$db: cannot drop the subscription $sub" >&2; exit 1; }
  bmf_db_swap "$db" "$new" "replicated up to the stopped origin's $lsn ($copied sequences copied)"
done
rm -f -- "$pass"
bmf_state_guard target sync
bmf_state_set pg_sub=none
echo "the target applied the stopped origin's last changes in $(( $(date +%s) - start )) s"

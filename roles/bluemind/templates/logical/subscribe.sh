{#- The target subscribes to its origin's databases (logical method, role.yml `db_sync:
    logical`): for each database, a new database beside the target's own (<db>__bmfleet_new),
    made from a dump of the origin's schema alone exactly as a restore makes one
    (lib/restore-into.sh: the origin's locale, allowed extensions, loaded by a role that is no
    superuser, given to bm.ini's user), then a subscription to the origin's publication
    (logical/open-origin.sh) that copies every table and then streams every change, through a
    slot of its own on the origin (<pair slot>_<n>). The target's own databases and its cluster
    (its Keycloak database among others: DOMAIN.md) are never touched: catch-up.sh swaps the
    names at the freeze. Later hot syncs check that every subscription streams and say how far
    behind it is; one that does not (its slot given up, an error it cannot pass) is made again.
    Waits until every table's first copy is done, so that the freeze only waits for the last
    changes.
    PostgreSQL 15 runs a subscription's workers as a superuser (only from 16 may a subscription
    belong to a role that is not one): whatever the schema makes the server run while rows are
    applied would run as a superuser of the target. The origin may be compromised (issue 27),
    so a schema where a function that is not PostgreSQL's own nor an allowed extension's runs
    on applied rows (a CHECK or domain constraint, an index expression or predicate, a column
    default or generated column, a trigger enabled for replication) is refused before any
    subscription exists: use db_sync: dump for that pair. Triggers enabled as usual do not
    fire for replicated rows (session_replication_role = replica). -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/pg-cluster.sh" %}
{% include "templates/lib/origin-ssh.sh" %}
{% include "templates/lib/private-dir.sh" %}
{% include "templates/lib/origin-login.sh" %}
{% include "templates/lib/restore-into.sh" %}
{% include "templates/logical/lib.sh" %}
port={{ origin_logical_port }}
[[ $port =~ ^[0-9]{1,5}$ ]] || { echo "unusable port of the origin's PostgreSQL: $port" >&2; exit 1; }
bmf_state_guard target sync {{ target_hostkey_pub }} {{ origin_hostkey_pub }}
[ "${BMF_R[db_sync]-}" = logical ] || { echo "the target's record does not say db_sync=logical: run \`bmfleet preflight\` again" >&2; exit 1; }
[ -n "${BMF_R[pg_sub]-}" ] || bmf_state_set pg_sub=yes || { echo "cannot record the subscriptions" >&2; exit 1; }
bmf_state_unlock
datadir=$(bmf_pgsu -c 'SHOW data_directory') || { echo "the target's PostgreSQL does not answer" >&2; exit 1; }
bmf_pg_layout "$datadir" || true # (the client tools of the cluster's major, when Debian's layout)
pass=$(dirname -- "$datadir")/bmfleet_$bmf_pg_pair.pgpass
bmf_origin_login "$pass" || exit 1
user=$bmf_origin_user
work={{ work_dir }}
priv=$work/logical
rm -rf -- "$priv" && (umask 077 && mkdir -p -- "$priv") || exit 1
trap 'rm -rf -- "$priv"' EXIT
bmf_pgdb() { local db=$1; shift; (cd / && runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"); }
literal() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }
{% include "templates/logical/origin-sql.sh" %}

# What runs a function of the schema's own on applied rows (see above): how many objects, by kind.
unsafe="WITH f AS (SELECT p.oid FROM pg_proc p WHERE p.oid >= 16384 AND NOT EXISTS (
      SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')),
    o AS (SELECT oid FROM pg_operator WHERE oprcode IN (SELECT oid FROM f))
  SELECT count(*) || ' ' || d.classid::regclass FROM pg_depend d
  WHERE ((d.refclassid = 'pg_proc'::regclass AND d.refobjid IN (SELECT oid FROM f))
      OR (d.refclassid = 'pg_operator'::regclass AND d.refobjid IN (SELECT oid FROM o)))
    AND (d.classid IN ('pg_constraint'::regclass, 'pg_attrdef'::regclass)
      OR (d.classid = 'pg_class'::regclass AND EXISTS (SELECT 1 FROM pg_class i WHERE i.oid = d.objid AND i.relkind = 'i'))
      OR (d.classid = 'pg_trigger'::regclass AND EXISTS (SELECT 1 FROM pg_trigger t WHERE t.oid = d.objid AND t.tgenabled IN ('A', 'R'))))
  GROUP BY d.classid"

# The copy's tables as the origin had them before the method (its schema, dumped now, says
# REPLICA IDENTITY FULL where open-origin.sh set it): the origin's list of what it changed, pulled
# as data (a regular file, no link), each line checked, each name matched against the copy's own
# catalog, never run. The subscription needs no identity here: a table whose origin publishes it
# FULL is found by all its columns.
identities() {
  local db=$1 new=$2 list=$priv/identity.$1 line no=0 kind name word
  rsync -t --no-links --no-devices --no-specials -e "$bmfleet_origin_ssh" -- \
    "$bmfleet_origin:$work/logical/replica-identity.$db" "$list" || { echo "$db: cannot read the origin's list of replica identities" >&2; return 1; }
  [ "$(tail -n 1 "$list")" = end ] || { echo "$db: the origin's list of replica identities is incomplete" >&2; return 1; }
  while IFS= read -r line; do
    no=$((no + 1))
    [ "$line" != end ] || break
    [[ $line =~ ^([dn])\ [0-9]+\ (.+)$ ]] || { echo "$db: line $no of the origin's list of replica identities is not one" >&2; return 1; }
    kind=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]}
    [ "$kind" = d ] && word=DEFAULT || word=NOTHING
    bmf_pgdb "$new" -v name="$name" -f - >/dev/null <<SQL || { echo "$db: cannot give the copy's table of line $no its identity" >&2; return 1; }
SELECT c.oid AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE format('%I.%I', n.nspname, c.relname) = :'name' AND c.relreplident = 'f' \\gset
\\if :{?rel}
SELECT format('ALTER TABLE %s REPLICA IDENTITY $word', :rel::regclass) \\gexec
\\endif
SQL
  done <"$list"
}

# One database: its subscription streams, or it is made (again).
subscribe() {
  local db=$1 n=$2 new="$1__bmfleet_new" sub="${bmf_pg_slot}_$2" state errors locale
  state=$(bmf_pgdb postgres -c "SELECT s.subenabled FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid WHERE s.subname = '$sub' AND d.datname = $(literal "$new")")
  if [ "$state" = t ]; then
    errors=$(bmf_pgdb "$new" -c "SELECT apply_error_count + sync_error_count FROM pg_stat_subscription_stats WHERE subname = '$sub'")
    if [ "${errors:-0}" = 0 ]; then
      echo "$db: the subscription $sub streams into $new"
      return 0
    fi
    echo "$db: the subscription $sub met $errors errors (the target's PostgreSQL log says which): made again" >&2
  fi
  bmf_logical_discard "$db" "$n" || return 1
  # The origin's schema alone, dumped by the target through the pair's pg_hba line.
  (cd / && runuser -u postgres -- env PGPASSFILE="$pass" "$(bmf_pg_bin pg_dump)" -h "$bmfleet_origin_host" -p "$port" -U "$user" \
    --no-password --schema-only --no-publications --no-subscriptions -Fc -d "$db") >"$priv/$db.schema" ||
    { echo "$db: cannot dump the origin's schema" >&2; return 1; }
  # A slot left on the origin by a subscription discarded here (lib.sh lets it go) goes first.
  bmf_origin_sql "$db" "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '$sub' AND NOT active" >/dev/null ||
    { echo "$db: cannot drop the origin's leftover slot $sub" >&2; return 1; }
  locale=$(bmf_restore_into "$priv/$db.schema" "$db" "$new") || return 1
  identities "$db" "$new" || { bmf_logical_discard "$db" "$n"; return 1; }
  found=$(bmf_pgdb "$new" -c "$unsafe" | tr '\n' ';')
  if [ -n "$found" ]; then
    bmf_logical_discard "$db" "$n"
    echo "$db: the origin's schema would make this target's PostgreSQL run its own functions as a superuser on replicated rows (${found%;}): refused, nothing subscribed; set db_sync: dump for this pair" >&2
    return 1
  fi
  bmf_pgdb "$new" -c "CREATE SUBSCRIPTION $sub CONNECTION $(literal "host=$bmfleet_origin_host port=$port dbname=$db user=$user passfile=$pass application_name=$sub") PUBLICATION $bmf_pg_slot WITH (slot_name = '$sub')" >/dev/null ||
    { bmf_logical_discard "$db" "$n"; echo "$db: cannot subscribe to the origin's publication" >&2; return 1; }
  echo "$db: $new made from the origin's schema ($locale), subscribed as $sub"
}

n=0
for db in {{ databases | shell_words }}; do
  n=$((n + 1))
  subscribe "$db" "$n" || exit 1
done
# The first copy of every table, then each subscription's lag behind the origin.
start=$(date +%s)
n=0
for db in {{ databases | shell_words }}; do
  n=$((n + 1))
  new="${db}__bmfleet_new" sub="${bmf_pg_slot}_$n"
  until [ "$(bmf_pgdb "$new" -c "SELECT count(*) FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = '$sub' AND r.srsubstate <> 'r'")" = 0 ]; do
    errors=$(bmf_pgdb "$new" -c "SELECT sync_error_count + apply_error_count FROM pg_stat_subscription_stats WHERE subname = '$sub'")
    [ "${errors:-0}" = 0 ] || { echo "$db: the subscription $sub fails to copy (the target's PostgreSQL log says why)" >&2; exit 1; }
    sleep 1
  done
  tables=$(bmf_pgdb "$new" -c "SELECT count(*) FROM pg_subscription_rel r JOIN pg_subscription s ON s.oid = r.srsubid WHERE s.subname = '$sub'")
  echo "$db: $tables tables copied and streaming ($(( $(date +%s) - start )) s)"
done

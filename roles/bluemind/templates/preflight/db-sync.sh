{#- How this pair's databases travel (role.yml `db_sync`), decided on the controller from both
    hosts' facts (preflight/pg-facts.sh), printed as `METHOD: why` and recorded on the target:
      physical  a streaming standby of the origin's whole cluster on the target, built at hot
                sync and promoted at the freeze (templates/physical/): the downtime no longer
                holds a dump and a restore;
      logical   asked for only (never by auto): the target's new copies of the databases
                subscribed to the origin's from the hot sync on, swapped in at the freeze
                (templates/logical/); the target's cluster and its other databases (its
                Keycloak's) stay its own, its major may be newer, its glibc other (it builds its
                own indexes). Needs wal_level = logical on the origin: a restart of its
                PostgreSQL, done by the hot sync only with db_sync_logical_restart;
      dump      pg_dump, transfer, pg_restore at the freeze (templates/cold-sync/dump.sh...).
    `auto` takes physical wherever it is safe, else dump with the reason (a warning: the downtime
    then holds a dump and a restore); an explicit `physical` that is not safe fails preflight
    saying what to do. The collation behaviour is compared as the glibc version (what PostgreSQL
    reports as a libc collation's version, pg_collation_actual_version): two different glibcs,
    even ones a release note calls compatible, mean the copy's indexes on text are rebuilt at the
    freeze (physical/reindex.sh, in the downtime: still far less than a restore, which rebuilds
    every index); an unknown glibc means dump. -#}
{% include "templates/lib/one-of.sh" %}
bmf_one_of db_sync {{ db_sync }} auto physical logical dump
want={{ db_sync }}
pair={{ pair.name }}
declare -A o=() t=()
read -ra words <<<{{ origin_pg_facts }}
for kv in "${words[@]}"; do o[${kv%%=*}]=${kv#*=}; done
read -ra words <<<{{ target_pg_facts }}
for kv in "${words[@]}"; do t[${kv%%=*}]=${kv#*=}; done
if [ "${t[copy]-}" = yes ]; then
  # The target's cluster already is bmfleet's copy of this origin: only a rollback, which puts
  # the target's own back, may change the method.
  if [ "$want" = dump ] || [ "$want" = logical ]; then
    echo "db_sync is $want, but the target already streams its origin's cluster (a physical hot sync): run \`bmfleet rollback --limit $pair\` first, which puts the target's own cluster back" >&2
    exit 1
  fi
  echo "physical: the target already streams the origin's cluster (since an earlier hot sync)"
  exit 0
fi
if [ "$want" = dump ]; then
  echo "dump: db_sync is dump"
  exit 0
fi
if [ "$want" = logical ]; then
  restart={{ db_sync_logical_restart }}
  why=()
  [ "${o[error]-}" != unreadable ] || why+=("the origin's cluster cannot be read as postgres")
  [ "${t[error]-}" != unreadable ] || why+=("the target's cluster cannot be read as postgres")
  [[ ${o[major]-} =~ ^[0-9]+$ && ${t[major]-} =~ ^[0-9]+$ ]] && [ "${t[major]}" -ge "${o[major]}" ] ||
    why+=("PostgreSQL ${o[major]-?} on the origin, ${t[major]-?} on the target (logical replication goes to the same major or a newer one)")
  [ "${o[senders]-0}" != 0 ] && [ "${o[slots]-0}" != 0 ] || why+=("the origin allows no WAL sender or replication slot (changing it restarts its PostgreSQL)")
  [ "${o[user_ok]-}" = yes ] || why+=("bm.ini's user on the origin may not replicate")
  restarts=
  case "${o[wal]-}" in
    logical) ;;
    replica | minimal)
      if [ "$restart" = true ]; then
        restarts="; the hot sync sets the origin's wal_level (${o[wal]}) to logical and restarts its PostgreSQL (db_sync_logical_restart)"
      else
        why+=("the origin's wal_level is ${o[wal]}, and logical replication needs logical, which restarts its PostgreSQL (BlueMind's connections to it drop for a few seconds): set db_sync_logical_restart: true to let the hot sync do it, or set it yourself")
      fi
      ;;
    *) why+=("the origin's wal_level is unknown") ;;
  esac
  if [ -z "${why[*]-}" ]; then
    dbs=$(printf '%s, ' {{ databases | shell_words }})
    echo "logical: PostgreSQL ${o[major]} to ${t[major]}, ${dbs%, } subscribed beside the target's own$restarts"
    exit 0
  fi
  reasons=$(IFS=';'; echo "${why[*]}")
  echo "db_sync is logical, but ${reasons//;/; }: set db_sync: dump (or auto) for this pair, or fix that first" >&2
  exit 1
fi
why=()
[ "${o[error]-}" != unreadable ] || why+=("the origin's cluster cannot be read as postgres")
[ "${t[error]-}" != unreadable ] || why+=("the target's cluster cannot be read as postgres")
[ "${o[major]-}" = "${t[major]-}" ] || why+=("PostgreSQL ${o[major]-?} on the origin, ${t[major]-?} on the target")
[ "${o[arch]-}" = "${t[arch]-}" ] || why+=("architecture ${o[arch]-?} on the origin, ${t[arch]-?} on the target")
[ -n "${o[glibc]-}" ] && [ "${o[glibc]}" != none ] && [ -n "${t[glibc]-}" ] && [ "${t[glibc]}" != none ] ||
  why+=("the glibc of the origin (${o[glibc]-?}) or of the target (${t[glibc]-?}) is unknown (text might sort otherwise there: the copied indexes could not be trusted)")
collation="glibc ${o[glibc]-}"
[ "${o[glibc]-}" = "${t[glibc]-}" ] ||
  collation="glibc ${o[glibc]-} on the origin and ${t[glibc]-} on the target, whose text sorts otherwise: the indexes on text are rebuilt at the freeze, in the downtime"
[ "${t[layout]-}" = debian ] || why+=("the target's data directory is not Debian's /var/lib/postgresql/MAJOR/NAME")
case "${o[wal]-}" in replica | logical) ;; *) why+=("the origin's wal_level is ${o[wal]-?} (changing it restarts its PostgreSQL)") ;; esac
[ "${o[senders]-0}" != 0 ] && [ "${o[slots]-0}" != 0 ] || why+=("the origin allows no WAL sender or replication slot (changing it restarts its PostgreSQL)")
[ "${o[user_ok]-}" = yes ] || why+=("bm.ini's user on the origin may not replicate")
[ "${t[others]-}" = - ] ||
  why+=("the target's cluster holds other databases (${t[others]-?}), which a copy of the whole cluster would take out of its service")
if [ -z "${why[*]-}" ]; then
  echo "physical: same PostgreSQL ${o[major]}, ${o[arch]}, $collation; the target's cluster holds nothing else"
  exit 0
fi
reasons=$(IFS=';'; echo "${why[*]}")
reasons=${reasons//;/; }
if [ "$want" = physical ]; then
  echo "db_sync is physical, but $reasons: set db_sync: dump (or auto) for this pair, or fix that first" >&2
  exit 1
fi
# A warning (the summary lists it, the log says why): the downtime holds a dump and a restore.
echo "dump: $reasons"
exit 3

{#- Rollback of the physical method on the target: its own cluster back in place, as it was
    before the first physical hot sync. From its record (pg_aside): its PostgreSQL stops, bmfleet's
    copy of the origin goes (it is marked as such; it holds nothing the origin does not, and the
    target never served from it before the point of no return), the target's own data directory
    moves back and starts; the password file and any half-made copy go. Idempotent. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/pg-cluster.sh" %}
bmf_state_guard target sync {{ target_hostkey_pub }} {{ origin_hostkey_pub }}
aside=${BMF_R[pg_aside]-}
if [ -z "$aside" ]; then
  echo "no physical copy on the target: its own cluster is in place"
  exit 0
fi
datadir=${aside%.bmfleet_before_*}
bmf_pg_layout "$datadir" || { echo "unexpected recorded directory $aside" >&2; exit 1; }
if [ -d "$aside" ] && [ ! -L "$aside" ]; then
  if [ -e "$datadir" ]; then
    [ -f "$datadir/$bmf_pg_marker" ] ||
      { echo "$datadir is not bmfleet's copy of the origin (no $bmf_pg_marker), and $aside is recorded as the target's own: check both by hand" >&2; exit 1; }
    bmf_pg_service stop "$datadir" || { echo "cannot stop the target's PostgreSQL" >&2; exit 1; }
    rm -rf -- "$datadir"
  fi
  mv -- "$aside" "$datadir"
fi
rm -rf -- "$datadir.bmfleet_copy_$bmf_pg_pair" "$(dirname -- "$datadir")/bmfleet_$bmf_pg_pair.pgpass"
bmf_state_set pg_aside=none
bmf_state_unlock
bmf_pg_service start "$datadir" || { echo "the target's own PostgreSQL does not start again" >&2; exit 1; }
echo "the target's own PostgreSQL cluster is back in $datadir"

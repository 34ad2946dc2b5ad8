{#- What decides whether the databases may travel as a physical copy of the whole cluster
    (role.yml `db_sync`; preflight/db-sync.sh decides), one line of key=value words:
      major, arch, glibc   a physical copy needs the same PostgreSQL major, architecture and
                           collation behaviour on both hosts (a glibc change, 2.28 above all,
                           reorders text: indexes copied from the origin would be wrong;
                           DOMAIN.md "PostgreSQL as BlueMind runs it")
      layout               debian when the data directory is /var/lib/postgresql/MAJOR/NAME
                           (the service bmfleet stops and starts, lib/pg-cluster.sh)
      wal, senders, slots  the origin streams only with wal_level replica or logical and
                           max_wal_senders and max_replication_slots above 0 (changing them
                           restarts PostgreSQL: never done by bmfleet)
      user_ok              bm.ini's user may replicate (BlueMind's bj is a superuser)
      others               databases beyond postgres, template0/1 and the migrated ones: a
                           physical copy would take them out of the target's service
      copy                 yes when this host's record says bmfleet's copy of the origin's
                           cluster already stands in place of its own (the target, after a
                           hot sync with the physical method)
    Read-only; database names outside [A-Za-z0-9_.-] are shown as `?`; `error=unreadable` alone
    when PostgreSQL does not answer. -#}
{% include "templates/lib/bm-ini.sh" %}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/pg-cluster.sh" %}
# A cluster it cannot read is a fact too (the PostgreSQL checks say why): the method is then dump,
# and this probe never stops the pair before its checks ran.
if ! settings=$(bmf_pgsu -F ' ' -c "SELECT current_setting('server_version_num')::int / 10000, current_setting('data_directory'), current_setting('wal_level'), current_setting('max_wal_senders'), current_setting('max_replication_slots')"); then
  echo "cannot read the PostgreSQL cluster's settings as postgres" >&2
  echo "error=unreadable"
  exit 0
fi
read -r major datadir wal senders slots <<<"$settings"
layout=other
bmf_pg_layout "$datadir" && layout=debian
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
user=$(bm_ini_get user)
user_ok=no
if [[ $user =~ ^[A-Za-z_][A-Za-z0-9_-]*$ ]] &&
  [ "$(bmf_pgsu -c "SELECT rolsuper OR rolreplication FROM pg_roles WHERE rolname = '$user'")" = t ]; then
  user_ok=yes
fi
others=
while IFS= read -r db; do
  case "$db" in postgres | template0 | template1) continue ;; esac
  for own in {{ databases | shell_words }}; do
    # The migrated databases, and what restore.sh leaves of them (<db>__bmfleet_new, _before_).
    case "$db" in "$own" | "${own}__bmfleet_new" | "${own}__bmfleet_before_"*) continue 2 ;; esac
  done
  [[ $db =~ ^[A-Za-z0-9_.-]+$ ]] || db='?'
  others=${others:+$others,}$db
done < <(bmf_pgsu -c 'SELECT datname FROM pg_database ORDER BY 1')
copy=no
if bmf_state_own && [ -n "${BMF_R[pg_aside]-}" ] && [ "${BMF_R[role]}" = target ]; then copy=yes; fi
echo "major=$major arch=$(uname -m) glibc=${glibc:-none} layout=$layout wal=$wal senders=$senders slots=$slots user_ok=$user_ok others=${others:--} copy=$copy"

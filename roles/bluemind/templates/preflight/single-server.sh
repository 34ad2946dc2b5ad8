{#- bm.ini's host is the database and core host BlueMind's clients use (BlueMind:
    parent/cli/net.bluemind.cli.cmd.api/src/net/bluemind/cli/cmd/api/CliContext.java; BmIni): on a
    single-server installation it is one of this server's own addresses. Anything else is a
    multi-server installation, which bmfleet does not migrate. -#}
{% include "templates/lib/bm-ini.sh" %}
host=$(bm_ini_get host)
case "$host" in
  ''|127.0.0.1|localhost|::1) echo "bm.ini host ${host:-unset}: this server"; exit 0 ;;
esac
if ip -o addr show | awk '{split($4, a, "/"); print a[1]}' | grep -qxF -- "$host"; then
  echo "bm.ini host $host: an address of this server"
else
  echo "bm.ini host is $host, not an address of this server: a multi-server BlueMind installation (database or core on another server); bmfleet migrates single-server installations only" >&2
  exit 1
fi

{#- Pull one spool from the origin. The direction is fixed here, once for every phase: the
    source is always the origin, the destination always a local path on the target. -#}
{% include "templates/lib/origin-ssh.sh" %}
spool={{ item }}
case "$spool" in
  /*/) ;;
  *) echo "spool paths must be absolute and end with /: $spool" >&2; exit 2 ;;
esac
mkdir -p -- "$spool"
{#- Owners are mapped by name (no --numeric-ids), as the procedure's rsync -avH does: cyrus,
    elasticsearch and group bluemind are system accounts with dynamic ids, and a fresh install of
    another release may have given them other numbers (preflight reports the mapping). #}
rsync -aH --delete --stats --info=progress2 {% if rsync_bwlimit_kbps %}--bwlimit={{ rsync_bwlimit_kbps }} {% endif %}\
  -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:$spool" "$spool"

{#- Pull one spool from the origin. The direction is fixed here, once for every phase: the
    source is always the origin, the destination always a local path on the target. -#}
{% include "templates/lib/host-state.sh" %}
bmf_state_check target sync # never into a live target, an origin, another pair's host
{% include "templates/lib/origin-ssh.sh" %}
spool={{ item }}
case "$spool" in
  /*/) ;;
  *) echo "spool paths must be absolute and end with /: $spool" >&2; exit 2 ;;
esac
mkdir -p -- "$spool"
rsync -aH --delete --numeric-ids --stats --info=progress2 {% if rsync_bwlimit_kbps %}--bwlimit={{ rsync_bwlimit_kbps }} {% endif %}\
  -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:$spool" "$spool"

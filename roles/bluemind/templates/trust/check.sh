{#- Prove the trust works end to end: the target lists the origin's spool root through rsync. -#}
{% include "templates/lib/origin-ssh.sh" %}
rsync --list-only -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:/etc/hostname" >/dev/null
echo "the target reads the origin over rsync"

{#- How the target reaches its origin: the dedicated migration key made by the trust phase, and
    the origin host key the controller itself verified (never trust-on-first-use). Every ssh
    of a phase shares one connection (ControlMaster), opened by origin-master.sh. -#}
bmfleet_origin_host={% if origin_address %}{{ origin_address }}{% else %}{{ origin.address }}{% endif %}
bmfleet_origin_port={% if origin_ssh_port %}{{ origin_ssh_port }}{% else %}{{ origin.port }}{% endif %}
{% include "templates/lib/pull-user.sh" %}
bmfleet_key={{ trust_key_file }}
bmfleet_known={{ trust_known_hosts }}
bmfleet_control={{ trust_control_path }}
for v in "$bmfleet_key" "$bmfleet_known" "$bmfleet_control" "$bmfleet_origin_host" "$bmfleet_pull_user"; do
  # rsync splits its -e command on spaces; these must be single words.
  case "$v" in *[[:space:]\'\"]*|-*|'') echo "unusable value for the ssh command: $v" >&2; exit 2 ;; esac
done
case "$bmfleet_origin_port" in *[!0-9]*|'') echo "bad origin SSH port: $bmfleet_origin_port" >&2; exit 2 ;; esac
bmfleet_origin="$bmfleet_pull_user@$bmfleet_origin_host"
bmfleet_origin_ssh="ssh -i $bmfleet_key -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$bmfleet_known -o HostKeyAlias=bmfleet-origin -o ConnectTimeout=15 -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o ControlMaster=auto -o ControlPath=$bmfleet_control -o ControlPersist=300 -p $bmfleet_origin_port"

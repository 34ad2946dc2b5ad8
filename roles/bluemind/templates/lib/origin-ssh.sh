{#- How the target reaches its origin: the dedicated migration key made by the trust phase, and
    the origin host key the controller itself verified (never trust-on-first-use). Every ssh
    of a phase shares one connection (ControlMaster), opened by origin-master.sh. -#}
bmfleet_origin_host={% if origin_address %}{{ origin_address }}{% else %}{{ origin.address }}{% endif %}
bmfleet_origin_port={% if origin_ssh_port %}{{ origin_ssh_port }}{% else %}{{ origin.port }}{% endif %}
{% include "templates/lib/pull-user.sh" %}
bmfleet_key={{ trust_key_file }}
bmfleet_known={{ trust_known_hosts }}
bmfleet_control={{ trust_control_path }}
for v in "$bmfleet_key" "$bmfleet_known" "$bmfleet_control"; do
  # rsync splits its -e command on spaces; these must be single words.
  case "$v" in *[[:space:][:cntrl:]\'\"\\]*|-*|'') echo "unusable value for the ssh command: $v" >&2; exit 2 ;; esac
done
# Host names and addresses by allow-list (they reach ssh, rsync and /dev/tcp): a DNS name, an
# IPv4 address, or an IPv6 address (bracketed below where rsync needs it).
case "$bmfleet_origin_host" in
  *[!A-Za-z0-9.:-]* | '' | -* | .* | *..*) echo "unusable origin address (a host name, an IPv4 or IPv6 address): $bmfleet_origin_host" >&2; exit 2 ;;
esac
case "$bmfleet_pull_user" in
  *[!A-Za-z0-9._-]* | '' | -*) echo "unusable origin pull user: $bmfleet_pull_user" >&2; exit 2 ;;
esac
case "$bmfleet_origin_port" in *[!0-9]*|''|??????*) echo "bad origin SSH port: $bmfleet_origin_port" >&2; exit 2 ;; esac
{ [ "$bmfleet_origin_port" -ge 1 ] && [ "$bmfleet_origin_port" -le 65535 ]; } ||
  { echo "bad origin SSH port: $bmfleet_origin_port" >&2; exit 2; }
# ssh logs in to user@host; rsync's remote spec needs an IPv6 address in brackets (user@[::1]:path).
bmfleet_origin_login="$bmfleet_pull_user@$bmfleet_origin_host"
# shellcheck disable=SC2034 # for the steps that include this file (some use only the login)
case "$bmfleet_origin_host" in
  *:*) bmfleet_origin="$bmfleet_pull_user@[$bmfleet_origin_host]" ;;
  *) bmfleet_origin=$bmfleet_origin_login ;;
esac
# shellcheck disable=SC2034 # for the steps that include this file (some use only the login)
bmfleet_origin_ssh="ssh -i $bmfleet_key -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$bmfleet_known -o HostKeyAlias=bmfleet-origin -o ConnectTimeout=15 -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o ControlMaster=auto -o ControlPath=$bmfleet_control -o ControlPersist=300 -p $bmfleet_origin_port"

{#- Authorize the target's migration key on the origin, read-only when rrsync is available:
    the target may then only *read* the origin through rsync, whatever it asks. -#}
{% include "templates/lib/host-state.sh" %}
bmf_state_check origin sync {{ origin_hostkey_pub }} {{ target_hostkey_pub }} # a retired origin, or a host of another pair, is never opened to a target
pubkey={{ target_trust_pub }}
case "$pubkey" in
  ssh-ed25519\ *) ;;
  *) echo "unexpected public key from the target: $pubkey" >&2; exit 1 ;;
esac
{% include "templates/lib/pull-user.sh" %}
pull_user=$bmfleet_pull_user
home=$(getent passwd "$pull_user" | cut -d: -f6)
[ -n "$home" ] || { echo "no user $pull_user on the origin" >&2; exit 1; }
umask 077
mkdir -p -- "$home/.ssh"
touch -- "$home/.ssh/authorized_keys"
# sshd reads these as the user: they must be theirs.
chown -- "$pull_user:" "$home/.ssh" "$home/.ssh/authorized_keys"
# The key may only run rsync as a sender (the origin is read, never written): rrsync -ro when
# the origin has it, else a guard that accepts nothing but `rsync --server --sender`. A pull
# user other than root runs it through sudo, which passes on the command sshd received.
guard="sh -c 'case \$SSH_ORIGINAL_COMMAND in rsync\\ --server\\ --sender\\ *) set -f; exec \$SSH_ORIGINAL_COMMAND;; *) echo bmfleet: only read-only rsync is allowed >&2; exit 1;; esac'"
{% if trust_read_only %}
if command -v rrsync >/dev/null 2>&1; then
  forced='rrsync -ro /'
else
  forced=$guard
fi
[ "$pull_user" = root ] || forced="sudo -n --preserve-env=SSH_ORIGINAL_COMMAND $forced"
options="restrict,command=\"$forced\""
{% else %}
options='restrict'
[ "$pull_user" = root ] || echo "note: trust_read_only is off and $pull_user is not root: rsync will not read every file" >&2
{% endif %}
line="$options $pubkey"
# Replace any earlier line of this pair's key (its options may have changed), keep all others.
tmp=$(mktemp "$home/.ssh/.authorized_keys.XXXXXX")
grep -vF -- "$pubkey" "$home/.ssh/authorized_keys" >"$tmp" || true
printf '%s\n' "$line" >>"$tmp"
chown -- "$pull_user:" "$tmp"
mv -f -- "$tmp" "$home/.ssh/authorized_keys"
echo "authorized on the origin: $line"

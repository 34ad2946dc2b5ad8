{#- Authorize the target's migration key on the origin, read-only when rrsync is available:
    the target may then only *read* the origin through rsync, whatever it asks. -#}
{% include "templates/lib/host-state.sh" %}
bmf_state_check origin sync {{ origin_hostkey_pub }} {{ target_hostkey_pub }} # a retired origin, or a host of another pair, is never opened to a target
{% include "templates/lib/private-dir.sh" %}
pubkey={{ target_trust_pub }}
comment={{ trust_comment ~ ":" ~ pair.name }}
case "$comment" in *[!A-Za-z0-9._:@-]* | '') echo "trust_comment must be letters, digits and . _ : @ -" >&2; exit 2 ;; esac
# The key comes from the target (a register): one line, `ssh-ed25519 BASE64 COMMENT`, exactly.
# A newline would add a second, unrestricted line to authorized_keys.
case "$pubkey" in
  *[!A-Za-z0-9+/=\ ._:@-]* | '') echo "unexpected public key from the target (one line of letters, digits, + / = . _ : @ -): $pubkey" >&2; exit 1 ;;
esac
read -r key_type key_blob key_comment key_extra <<<"$pubkey"
if [ "$key_type" != ssh-ed25519 ] || [ -z "$key_blob" ] || [ "$key_comment" != "$comment" ] || [ -n "$key_extra" ]; then
  echo "unexpected public key from the target (want ssh-ed25519 KEY $comment): $pubkey" >&2
  exit 1
fi
case "$key_blob" in *[!A-Za-z0-9+/=]*) echo "unexpected public key from the target: $pubkey" >&2; exit 1 ;; esac
{% include "templates/lib/pull-user.sh" %}
pull_user=$bmfleet_pull_user
home=$(getent passwd "$pull_user" | cut -d: -f6)
[ -n "$home" ] || { echo "no user $pull_user on the origin" >&2; exit 1; }
umask 077
bmf_private_dir /var/lib/bmfleet/trust || exit 1
mkdir -p -- "$home/.ssh"
touch -- "$home/.ssh/authorized_keys"
# sshd reads these as the user: they must be theirs.
chown -- "$pull_user:" "$home/.ssh" "$home/.ssh/authorized_keys"
{% if trust_read_only %}
# The key may only run rsync as a sender (the origin is read, never written): `rrsync -ro /`
# when the origin has it, else bmfleet's own guard (below), never a looser check. A pull user
# other than root runs it through sudo, which passes on the command sshd received.
if command -v rrsync >/dev/null 2>&1; then
  forced='rrsync -ro /'
else
  guard=/var/lib/bmfleet/rsync-read-only
{% raw %}
  cat >"$guard.tmp" <<'GUARD'
#!/bin/bash
# bmfleet's read-only rsync guard: the forced command of the migration key on an origin without
# rrsync. It runs `rsync --server --sender` with the options of an allow-list and nothing else,
# as `rrsync -ro` does (rsync's support/rrsync, RsyncProject/rsync: its table of short and long
# options, minus what -ro disables, --log-file, --delete*, --remove*, and `s`, protected args,
# which would carry options past any check). Receiver-side options (--temp-dir, --backup-dir,
# --partial-dir, --*-dest, --only-write-batch) are refused too: a sender needs none. A file list
# is allowed from the client only (--files-from=-, as the client's own --files-from sends it:
# the final rsync's change lists, templates/cold-sync/final-rsync.sh), never from a file here.
# Words reach rsync as arguments, never through a shell.
set -f
deny() { echo "bmfleet read-only guard: refused: $1 (the migration key may only read with rsync)" >&2; exit 1; }
cmd=${SSH_ORIGINAL_COMMAND-}
bad='[^][A-Za-z0-9 ._/+,:@%=*?-]'
[[ $cmd =~ $bad ]] && deny "a character outside letters, digits and . _ / + , : @ % = * ? [ ] -"
read -ra word <<<"$cmd"
[ "${word[0]-}" = rsync ] && [ "${word[1]-}" = --server ] && [ "${word[2]-}" = --sender ] ||
  deny "not an rsync sender: $cmd"
plain=' append copy-unsafe-links existing fake-super force from0 fuzzy group hard-links ignore-errors
  ignore-existing ignore-missing-args ignore-times links list-only msgs2stderr munge-links
  new-compress no-W no-implied-dirs no-msgs2stderr no-r no-relative no-specials numeric-ids
  old-compress one-file-system open-noatime owner perms recursive safe-links size-only specials
  stats super times use-qsort '
valued=' block-size bwlimit checksum-choice checksum-seed compress-choice compress-level
  compress-threads debug groupmap iconv info log-format max-alloc max-delete max-size min-size
  modify-window skip-compress stderr suffix timeout usermap '
args=(--server --sender)
paths=()
dot=
i=3
n=${#word[@]}
while [ "$i" -lt "$n" ]; do
  a=${word[i]}
  i=$((i + 1))
  if [ -n "$dot" ]; then
    case $a in /*) ;; *) deny "a path that is not absolute: $a" ;; esac
    case $a in
      *[*?[]*) set +f; expanded=($a); set -f; paths+=("${expanded[@]}") ;;
      *) paths+=("$a") ;;
    esac
    continue
  fi
  case $a in
    .) dot=1 ;;
    --files-from=-) args+=("$a") ;;
    --*=*)
      name=${a%%=*}; name=${name#--}
      [[ $valued == *[[:space:]]$name[[:space:]]* ]] || deny "option --$name"
      args+=("$a") ;;
    --*)
      name=${a#--}
      if [[ $plain == *[[:space:]]$name[[:space:]]* ]]; then
        args+=("$a")
      elif [[ $valued == *[[:space:]]$name[[:space:]]* ]] && [ "$i" -lt "$n" ]; then
        args+=("$a" "${word[i]}")
        i=$((i + 1))
      else
        deny "option $a"
      fi ;;
    -*)
      [[ $a =~ ^-[ACDEHIJKLNORSUWXbcdgklmnopqrtuvxyz]*(e[0-9]*\.[A-Za-z0-9_]*)?$ && $a != - ]] ||
        [[ $a =~ ^-[@B][0-9]+$ ]] || deny "option $a"
      args+=("$a") ;;
    *) deny "an argument before the file list: $a" ;;
  esac
done
[ -n "$dot" ] || deny "no file list"
[ "${#paths[@]}" -gt 0 ] || paths=(.)
exec rsync "${args[@]}" -- . "${paths[@]}"
GUARD
{% endraw %}
  chmod 755 -- "$guard.tmp"
  mv -f -- "$guard.tmp" "$guard"
  forced=$guard
fi
[ "$pull_user" = root ] || forced="sudo -n --preserve-env=SSH_ORIGINAL_COMMAND $forced"
options="restrict,command=\"$forced\""
# A probe only root can read: check.sh proves through the key that it can be neither removed
# (--remove-source-files) nor overwritten, and that nothing can be written next to it.
probe=/var/lib/bmfleet/trust/probe
printf 'bmfleet read-only probe\n' >"$probe"
rm -f -- "$probe.written"
{% else %}
options='restrict'
[ "$pull_user" = root ] || echo "note: trust_read_only is off and $pull_user is not root: rsync will not read every file" >&2
{% endif %}
line="$options $pubkey"
# Replace any earlier line of this pair's key (matched by its comment, one word: the last
# field), keep all others.
tmp=$(mktemp "$home/.ssh/.authorized_keys.XXXXXX")
awk -v m="$comment" '$NF != m' "$home/.ssh/authorized_keys" >"$tmp"
printf '%s\n' "$line" >>"$tmp"
chown -- "$pull_user:" "$tmp"
# The exact key, for revocation (revoke-origin.sh removes this key and nothing else), recorded
# before the key is installed.
printf '%s %s\n' "$key_type" "$key_blob" >"/var/lib/bmfleet/trust/$comment.key"
mv -f -- "$tmp" "$home/.ssh/authorized_keys"
echo "authorized on the origin: $line"

{#- Console: System configuration > "My networks". BlueMind pushes the value to postfix only when
    it changes (SettingsHook.onUpdated: "Postfix config has not changed"; BlueMind's
    parent/mailbackend/net.bluemind.backend.postfix/src/net/bluemind/backend/postfix/SettingsHook.java),
    so saving it again is a no-op: check postfix's value instead, and save only a different value
    the inventory gives. `bm-cli sysconf set mynetworks --value V` exists from 4.1
    (parent/cli/net.bluemind.cli.sysconf/.../SysconfUpdateCommand.java); there is no `sysconf get`:
    read with GET /api/configuration. A saved value is proven by postfix's own, `postconf -h
    mynetworks`, not by BlueMind's answer. -#}
{% include "templates/lib/core-api.sh" %}
want={{ mynetworks }}
case "$want" in
  *[!][0-9A-Fa-f.:/,\ ]*) echo "mynetworks: only addresses, networks, commas and spaces: $want" >&2; exit 2 ;;
esac
current=$(bm_sysconf_get mynetworks) || manual "check \"My networks\": Admin console > System configuration (the core's configuration could not be read)"
command -v postconf >/dev/null || manual "check that postfix's mynetworks is $current (no postconf on this host)"
if [ -n "$want" ] && [ "$want" != "$current" ]; then
  if bm_version_at_least 4 1 && command -v bm-cli >/dev/null; then
    bm-cli sysconf set mynetworks --value "$want"
  else
    bm_api POST /api/configuration "{\"mynetworks\":\"$want\"}" >/dev/null \
      || manual "set \"My networks\" to $want: Admin console > System configuration"
  fi
  current=$(bm_sysconf_get mynetworks)
  [ "$current" = "$want" ] || { echo "my networks: saved $want, BlueMind now says $current" >&2; exit 1; }
  # The proof is postfix's own value: SettingsHook pushes it (postconf -e) to the servers tagged
  # mail/smtp only, at their t_server address (updateSmtpServers, getTaggedServers).
  wait_secs={{ proof_timeout_secs | int }}
  deadline=$(( $(date +%s) + wait_secs ))
  until [ "$(postconf -h mynetworks 2>/dev/null)" = "$want" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "my networks: BlueMind saved $want, but postfix here still has $(postconf -h mynetworks 2>&1) after $wait_secs s: BlueMind pushes it only to servers tagged mail/smtp (check this server's tags and t_server.ip), or set it with postconf -e 'mynetworks = $want' and reload postfix" >&2; exit 1; }
    sleep 1
  done
  saved=1
else
  saved=0
fi
postfix_value=$(postconf -h mynetworks)
if [ "$postfix_value" != "$current" ]; then
  manual "postfix's mynetworks ($postfix_value) differs from BlueMind's \"My networks\" ($current); saving the same value again does nothing in BlueMind: change it in Admin console > System configuration, or run postconf -e 'mynetworks = $current' and reload postfix"
fi
if [ "$saved" = 1 ]; then
  echo "my networks: saved $current (postfix has it)"
else
  echo "my networks: verified, not re-saved: $current (BlueMind and postfix agree)"
fi

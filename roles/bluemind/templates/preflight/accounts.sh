{#- The ids of BlueMind's system accounts on this host, one "kind name id" line each ("-" when
    absent). They are dynamic on Debian/Ubuntu (adduser --system / addgroup --system bluemind in
    the packages' postinst), so two installations may differ. -#}
for u in cyrus elasticsearch; do
  printf 'user %s %s\n' "$u" "$(getent passwd "$u" | cut -d: -f3 | grep . || echo -)"
done
for g in bluemind mail elasticsearch; do
  printf 'group %s %s\n' "$g" "$(getent group "$g" | cut -d: -f3 | grep . || echo -)"
done

{#- Keep the target's own Keycloak client secrets before its bj is replaced by the origin's (the
    cold sync's restore, or the standby of the physical method). Each server has a Keycloak
    database of its own (BlueMind: parent/keycloak/net.bluemind.keycloak.service/src/net/bluemind/
    keycloak/config/KeycloakServerHook.java, createdb.sh per server), whose clients' secrets bj
    keeps as each domain's OPENID_CLIENT_SECRET (KeycloakHelper.java initKeycloakForDomain;
    t_domain.properties, an hstore: domain-schema.1.0.0.sql). BlueMind's own clone restore keeps
    the target's secret of every domain the target already had, global.virt included
    (parent/core/net.bluemind.core.backup.continuous.clone/src/net/bluemind/core/backup/continuous/
    restore/orphans/RestoreDomains.java tweakKeycloakProps); post puts them back
    (post/keycloak-secrets.sh). Kept once, from the target's own bj only; never printed. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/bm-ini.sh" %}
{% include "templates/lib/private-dir.sh" %}
kept={{ work_dir }}/keycloak-secrets
if [ -e "$kept" ]; then
  echo "the target's Keycloak secrets were kept before its first sync ($(wc -l <"$kept") domains)"
  exit 0
fi
# first_sync=no: no sync of this pair has started yet (hot-sync/stop-target.sh), bj is the target's
if bmf_state_own && [ "${BMF_R[first_sync]-}" != no ]; then
  echo "not kept: this target already holds a sync of the pair, its bj may be the origin's; post realigns every realm instead"
  exit 0
fi
recovery=$(bm_pg -d {{ databases | first }} -At -c 'SELECT pg_is_in_recovery()') || { echo "cannot read the target's bj" >&2; exit 1; }
[ "$recovery" = f ] || { echo "not kept: the target's cluster is a standby (of the origin)"; exit 0; }
bmf_private_dir {{ work_dir }} || exit 1
( umask 077
  bm_pg -d {{ databases | first }} -At -F ' ' -c "SELECT name, properties -> 'OPENID_CLIENT_SECRET' FROM t_domain WHERE properties ? 'OPENID_CLIENT_SECRET' ORDER BY 1" >"$kept.tmp" ) ||
  { rm -f -- "$kept.tmp"; echo "cannot read the target's domains' Keycloak secrets" >&2; exit 1; }
mv -f -- "$kept.tmp" "$kept"
echo "kept the target's Keycloak client secrets of: $(awk '{printf "%s ", $1}' "$kept")"

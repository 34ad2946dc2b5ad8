{#- Before the target starts: every domain the target had before the migration gets its own
    OPENID_CLIENT_SECRET back, the secret of its client in the target's own Keycloak database,
    as BlueMind's clone restore does (RestoreDomains.java tweakKeycloakProps: the previous
    value of a known domain, global.virt included). Domains the target did not have keep the
    origin's value; post's realm repair (post/keycloak.sh) aligns their realms. Secrets go to
    psql on its standard input, never on a command line, and are never printed. -#}
{% include "templates/lib/core-api.sh" %}
{% include "templates/lib/bm-ini.sh" %}
{% include "templates/lib/host-state.sh" %}
{#- The target's bj is written only where the start itself would be allowed: a target whose cold
    sync was not verified is refused here first, with the start's own words (start-target.sh). #}
bmf_state_check target start
kept={{ work_dir }}/keycloak-secrets
if state=$(bm_core_state 2>/dev/null) && [ -n "$state" ]; then
  # the target's core runs (post run again): its realms were repaired since, a secret put back
  # now would undo that, and bj is the running core's
  echo "the target's core runs ($state): its Keycloak secrets were put back before it started"
  exit 0
fi
if [ ! -s "$kept" ]; then
  echo "no Keycloak secrets of the target kept before its first sync: nothing to put back (post repairs every realm)"
  exit 0
fi
sql=
names=
while read -r name secret; do
  case "$name$secret" in
    *[!A-Za-z0-9._~+/=-]* | '') echo "skipped a kept entry with unexpected characters" >&2; continue ;;
  esac
  sql="$sql\\set d '$name'
\\set s '$secret'
UPDATE t_domain SET properties = coalesce(properties, '') || hstore('OPENID_CLIENT_SECRET', :'s') WHERE name = :'d';
"
  names="$names $name"
done <"$kept"
printf '%s' "$sql" | bm_pg -d {{ databases | first }} -v ON_ERROR_STOP=1 -f - >/dev/null ||
  { echo "could not put the target's Keycloak secrets back into bj" >&2; exit 1; }
echo "the target's own Keycloak client secrets are back for:$names"

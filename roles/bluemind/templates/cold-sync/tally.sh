{#- One host's tally of its spools per directory (templates/lib/tally.sh), taken at the cold
    sync's warm pass after its mark (the origin's at its start, the target's at its end), while
    the origin still serves: the freeze's check then counts again only the directories where
    something changed since. Never a failure: without a tally the freeze counts every spool
    whole, as it always did. -#}
{% include "templates/lib/host-state.sh" %}
{% include "templates/lib/changes.sh" %}
{% include "templates/lib/tally.sh" %}
bmf_state_check "$tally_role" sync # never a live target, a retired origin, another pair's host
nonce={{ origin_sync_mark }}
[[ $nonce =~ ^[0-9a-f]{32}$ ]] || { echo "unexpected mark from the origin: $nonce; the freeze counts every spool whole" >&2; exit 3; }
{#- The origin's warm change list, whose files its freeze scan reads again (lib/changes-folders.sh). #}
origin_changes={{ origin_changes }}
lists=''
[[ $tally_role != origin || ! $origin_changes =~ ^mark\ ([0-9a-f]{32})@ ]] || lists=${BASH_REMATCH[1]}
if ! bm_tally_take "$nonce" "$tally_role" "$lists"; then
  rm -rf -- "$bm_tally_dir"
  echo "this $tally_role's spools could not be tallied: the freeze counts every spool whole" >&2
  exit 3
fi

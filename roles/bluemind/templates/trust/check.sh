{#- Prove the trust works end to end: the target lists the origin's spool root through rsync.
    Read-only trust is proved too, after every trust: through the key, a write must fail and
    --remove-source-files must leave the origin's probe file (authorize.sh made it) in place. -#}
{% include "templates/lib/origin-ssh.sh" %}
rsync --list-only -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:/etc/hostname" >/dev/null
echo "the target reads the origin over rsync"
{% if trust_read_only %}
probe=/var/lib/bmfleet/trust/probe
scratch=$(mktemp -d)
trap 'rm -rf -- "$scratch"' EXIT
listed() { rsync --list-only -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:$1" >/dev/null 2>&1; }
listed "$probe" || { echo "the origin's read-only probe $probe is missing: run the trust phase again" >&2; exit 1; }
printf 'written by the target\n' >"$scratch/probe.written"
if rsync -e "$bmfleet_origin_ssh" -- "$scratch/probe.written" "$bmfleet_origin:$probe.written" >/dev/null 2>&1 ||
  listed "$probe.written"; then
  echo "the migration key can WRITE to the origin: the trust is not read-only; run \`bmfleet trust --revoke\` now" >&2
  exit 1
fi
rsync --remove-source-files -e "$bmfleet_origin_ssh" -- "$bmfleet_origin:$probe" "$scratch/" >/dev/null 2>&1 || true
if ! listed "$probe"; then
  echo "the migration key can DELETE the origin's files (--remove-source-files): the trust is not read-only; run \`bmfleet trust --revoke\` now" >&2
  exit 1
fi
echo "the target cannot write to the origin nor remove its files (read-only trust proved)"
{% endif %}

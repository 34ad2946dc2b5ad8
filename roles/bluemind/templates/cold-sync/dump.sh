{#- Dump one database on the origin, to the origin's disk, and prove the dump complete before
    anything touches the target: pg_dump must succeed and the plain dump must end with its
    trailer. A failed or truncated dump fails the pair here, with the target untouched. -#}
{% include "templates/lib/bm-ini.sh" %}
db={{ item }}
dir={{ work_dir }}/dump
umask 077
{% include "templates/lib/private-dir.sh" %}bmf_private_dir {{ work_dir }} || exit 1
mkdir -p -- "$dir"
rm -f -- "$dir/$db.sql" "$dir/$db.sql.partial" "$dir/$db.sql.sha256"
bm_pg -d "$db" -c 'SELECT 1' >/dev/null || { echo "PostgreSQL refuses bm.ini's credentials for $db on the origin" >&2; exit 1; }
PGPASSWORD=$(bm_ini_get password) pg_dump -h localhost -U "$(bm_ini_get user)" --no-password -f "$dir/$db.sql.partial" -- "$db"
if ! tail -n 5 -- "$dir/$db.sql.partial" | grep -q '^-- PostgreSQL database dump complete'; then
  echo "the dump of $db is incomplete (no trailer); refusing to go on" >&2
  exit 1
fi
# The checksum is taken here, on the host that made the dump: the target checks it after the
# transfer and again right before it restores.
sum=$(sha256sum <"$dir/$db.sql.partial" | cut -d' ' -f1)
mv -f -- "$dir/$db.sql.partial" "$dir/$db.sql"
printf '%s  %s\n' "$sum" "$db.sql" >"$dir/$db.sql.sha256"
echo "$db: $(wc -c <"$dir/$db.sql") bytes, complete, sha256 $sum"

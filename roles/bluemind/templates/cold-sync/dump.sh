{#- Dump one database on the origin, to the origin's disk, and prove the dump complete before
    anything touches the target. Directory format (pg_dump -Fd), as BlueMind's own backup makes
    an archive for pg_restore (parent/dataprotect/net.bluemind.dataprotect.postgresql/scripts/
    dump.sh and restore.sh in BlueMind's source): the tables are dumped by {{ pg_jobs }} jobs at
    once, uncompressed (-Z0: on a LAN, gzip's CPU costs more than the bytes it saves), and the
    restore reads it with pg_restore, which runs no psql meta-commands.
    Complete means: pg_dump exited 0 (it writes the archive's table of contents, toc.dat, last,
    once every table's data file is written) and pg_restore reads that table of contents. Then a
    manifest of every file's sha256 is made here, on the host that made the dump: the target checks
    it after the transfer and again right before it restores. A failed or truncated dump fails the
    pair here, with the target untouched. -#}
{% include "templates/lib/bm-ini.sh" %}
db={{ item }}
dir={{ work_dir }}/dump
umask 077
{% include "templates/lib/private-dir.sh" %}bmf_private_dir {{ work_dir }} || exit 1
mkdir -p -- "$dir"
rm -rf -- "$dir/$db.sql" "$dir/$db.sql.partial" "$dir/$db.sql.sha256" "$dir/$db.dir" "$dir/$db.dir.partial" \
  "$dir/$db.sha256" "$dir/$db.sha256.partial"
bm_pg -d "$db" -c 'SELECT 1' >/dev/null || { echo "PostgreSQL refuses bm.ini's credentials for $db on the origin" >&2; exit 1; }
PGPASSWORD=$(bm_ini_get password) pg_dump -h localhost -U "$(bm_ini_get user)" --no-password \
  -Fd -Z0 -j {{ pg_jobs }} -f "$dir/$db.dir.partial" -- "$db" ||
  { echo "pg_dump of $db failed; refusing to go on" >&2; exit 1; }
{ [ -s "$dir/$db.dir.partial/toc.dat" ] && pg_restore -l -- "$dir/$db.dir.partial" >/dev/null; } ||
  { echo "the dump of $db is incomplete (no readable table of contents); refusing to go on" >&2; exit 1; }
( cd "$dir/$db.dir.partial" && find . -type f -printf '%P\0' | sort -z | xargs -0 -r sha256sum -- ) >"$dir/$db.sha256.partial"
mv -f -- "$dir/$db.dir.partial" "$dir/$db.dir"
mv -f -- "$dir/$db.sha256.partial" "$dir/$db.sha256"
echo "$db: $(du -sb -- "$dir/$db.dir" | cut -f1) bytes in $(wc -l <"$dir/$db.sha256") files, complete, sha256 of the manifest $(sha256sum <"$dir/$db.sha256" | cut -c1-16)"

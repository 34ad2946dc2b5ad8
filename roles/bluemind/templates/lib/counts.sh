{#- bm_counts: what must be equal on the stopped origin and the target before the point of no
    return, one line each, sorted (LC_ALL=C):
      rows DB SCHEMA.TABLE N                        every table of both databases, but the
                                                    volatile ones (role.yml volatile_tables)
      spool PATH entries N files N bytes N           every spool (entries: every name under it
                                                    but devices, FIFOs and sockets, which the
                                                    pulls never copy: lib/rsync-pull.sh;
                                                    bytes: of its regular files)
      mailbox DIR N                                  message files (`<uid>.`, Cyrus layout:
                                                    tests/fleet/README.md "Data") per mailbox
    Counted on the stopped origin at cold sync (into its dump directory, pulled with the dumps)
    and on the stopped target right after the transfer; again in post, as a warning only. -#}
{% include "templates/lib/bm-ini.sh" %}
bm_counts_volatile() {
  # The volatile tables as an SQL list of literals; names are checked, never quoted blindly.
  local t list="''"
  for t in {{ volatile_tables | shell_words }}; do
    [[ $t =~ ^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_$]*$ ]] || { echo "volatile_tables: not a schema.table name: $t" >&2; return 2; }
    list="$list, '$t'"
  done
  echo "$list"
}
bm_counts_spool() {
  # One find per spool: names end with NUL, newlines inside names become '?'.
  local spool=$1
  if [ ! -d "$spool" ]; then
    printf 'spool %s absent\n' "$spool"
    return 0
  fi
  find "$spool" -mindepth 1 -printf '%y %s %p\0' | tr '\n\0' '?\n' | awk -v spool="$spool" '
    { type = substr($0, 1, 1); rest = substr($0, 3); size = rest; sub(/ .*/, "", size); path = substr(rest, length(size) + 2)
      if (type ~ /^[bcps]$/) next
      entries++
      if (type == "f") {
        files++; bytes += size
        name = path; sub(/.*\//, "", name)
        if (name ~ /^[0-9]+\.$/) { dir = path; sub(/\/[^\/]*$/, "", dir); box[dir]++ }
      }
    }
    END {
      printf "spool %s entries %d files %d bytes %.0f\n", spool, entries, files, bytes
      for (dir in box) printf "mailbox %s %d\n", dir, box[dir]
    }'
}
bm_counts() {
  local db volatile spool
  volatile=$(bm_counts_volatile) || return 2
  {
    for db in {{ databases | shell_words }}; do
      bm_pg -d "$db" -At -F ' ' -v db="$db" -c "
        SELECT 'rows', current_database(), table_schema || '.' || table_name,
               (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
        FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
          AND table_schema || '.' || table_name NOT IN ($volatile)" || return 1
    done
    for spool in {{ spools | shell_words }}; do
      bm_counts_spool "$spool" || return 1
    done
  } | LC_ALL=C sort
}

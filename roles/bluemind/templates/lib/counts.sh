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
  {#- One find per spool, which classifies each entry itself (a message file by its name's glob,
      checked in full below): awk only sums. Where awk parsed every path, a spool of 1.1 M
      entries took 6.5 s; this way 3.5 s, on the downtime's critical path once the final rsync
      sends only what changed (issue 25). Names end with NUL, newlines inside names become '?'.
      Devices, FIFOs and sockets are not counted: the pulls never copy them (lib/rsync-pull.sh). #}
  local spool=$1
  if [ ! -d "$spool" ]; then
    printf 'spool %s absent\n' "$spool"
    return 0
  fi
  LC_ALL=C find "$spool" -mindepth 1 \( -type b -o -type c -o -type p -o -type s \) -o \
    -type f -name '[0-9]*.' -printf 'm %s %f %h\0' -o -type f -printf 'f %s\0' -o -printf 'e\0' |
    tr '\n\0' '?\n' | LC_ALL=C awk -v spool="$spool" '
    $1 == "m" && $3 ~ /^[0-9]+\.$/ { files++; bytes += $2; box[substr($0, length($2) + length($3) + 5)]++; next }
    $1 == "m" || $1 == "f" { files++; bytes += $2; next }
    { other++ }
    END {
      printf "spool %s entries %d files %d bytes %.0f\n", spool, files + other, files, bytes
      for (dir in box) printf "mailbox %s %d\n", dir, box[dir]
    }'
}
bm_counts_rows() {
  # Every table's rows (unsorted).
  local db volatile
  volatile=$(bm_counts_volatile) || return 2
  for db in {{ databases | shell_words }}; do
    bm_pg -d "$db" -At -F ' ' -v db="$db" -c "
      SELECT 'rows', current_database(), table_schema || '.' || table_name,
             (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
      FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
        AND table_schema || '.' || table_name NOT IN ($volatile)" || return 1
  done
}
bm_counts_spools() {
  # Every spool's entries, files and bytes, and every mailbox's messages (unsorted).
  local spool
  for spool in {{ spools | shell_words }}; do
    bm_counts_spool "$spool" || return 1
  done
}
bm_counts() {
  # Both, sorted: the lines the check compares.
  { bm_counts_rows && bm_counts_spools; } | LC_ALL=C sort
}

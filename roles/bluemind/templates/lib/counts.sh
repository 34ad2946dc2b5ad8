{#- bm_counts: rows per table of both databases and entries per spool, one line each, sorted.
    Counted on the stopped origin at cold sync, and on the target in the post phase. -#}
{% include "templates/lib/bm-ini.sh" %}
bm_counts() {
  for db in {{ databases | shell_words }}; do
    bm_pg -d "$db" -At -F ' ' -c "
      SELECT '$db', table_schema || '.' || table_name,
             (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', table_schema, table_name), false, true, '')))[1]::text
      FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
      ORDER BY 2" || return 1
  done
  for spool in {{ spools | shell_words }}; do
    if [ -d "$spool" ]; then n=$(find "$spool" | wc -l); else n=0; fi
    printf 'spool %s %s\n' "$spool" "$n"
  done
}

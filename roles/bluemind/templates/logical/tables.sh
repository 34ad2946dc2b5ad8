{#- Which relations the logical method publishes (logical/open-origin.sh) and the target checks
    (logical/subscribe.sh): a SQL condition on pg_class c. Every permanent table and partitioned
    table outside PostgreSQL's own schemas and extensions, partitions through their root. -#}
# shellcheck disable=SC2034 # (read by the step that includes it)
bmf_published="c.relkind IN ('r', 'p') AND c.relpersistence = 'p' AND NOT c.relispartition
  AND c.relnamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema') OR nspname LIKE 'pg\_%')
  AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')"

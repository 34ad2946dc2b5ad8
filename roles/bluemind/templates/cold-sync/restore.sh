{#- Restore one database on the target without ever leaving it half-restored, and without ever
    dropping the target's own database (issue #11): load the dump into a new database, then
    swap names; the displaced database is kept, renamed
    <db>__bmfleet_before_<UTC time>, for the operator to drop once the migration is accepted.
    The new database gets what BlueMind's installer gives it and a plain dump does not carry:
    UTF-8 (createdb --encoding=UTF-8), the origin's locale (en_US.UTF-8, see below) and
    TIMEZONE 'GMT' (ALTER DATABASE ... SET TIMEZONE='GMT'),
    as in BlueMind's parent/system/net.bluemind.system.pg.tests/data/install_bmdb_pgsql_0.sh and
    its own restore, parent/dataprotect/net.bluemind.dataprotect.postgresql/scripts/restore.sh.
    Right before anything changes, on this host: the dump is, file for file, the one the origin
    summed (lib/dump-check.sh). It is a pg_dump directory archive, read by pg_restore as BlueMind's
    own restore does (parent/dataprotect/net.bluemind.dataprotect.postgresql/scripts/restore.sh):
    pg_restore sends the archive's SQL to the server itself and interprets no psql meta-command,
    so nothing in a dump reaches a shell. {{ pg_jobs }} jobs restore the tables' data and build
    the indexes at once (pg_restore -j, which rules out one transaction: the new database is
    bmfleet's own until the rename below, and --exit-on-error stops at the first error, before
    the rename).
    The dump is the origin's data, and the origin may be compromised (issue 27): nothing of it
    runs as a superuser of the target. PostgreSQL runs a CHECK constraint's, a trigger's or an
    index expression's function as the user of the session that loads the rows, and a function
    can RESET ROLE back to its session's user, so pg_restore --role is no defence: pg_restore
    logs in as a role of its own, made for this restore, that is no superuser and owns only the
    new database ("$db"__bmfleet_restore, NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    NOBYPASSRLS, a random password that only this step holds, over TCP on 127.0.0.1 as
    BlueMind's pg_hba allows with md5), with --no-owner --no-privileges. The superuser creates
    the database and the extensions the dump needs, but only those BlueMind's schema creates
    (the allow-list below); then gives every object and the database to bm.ini's user, as
    BlueMind's installer has it (REASSIGN OWNED, which runs no function of the dump), and drops
    the restore's role. -#}
{% include "templates/lib/host-state.sh" %}
bmf_state_check target sync # never touch a live target's databases
db={{ item }}
stage={{ work_dir }}/stage/dump
dump=$stage/$db.dir
new="${db}__bmfleet_new"
{% include "templates/lib/dump-check.sh" %}
bmf_dump_check "$stage" "$db" || { echo "refusing to restore $db" >&2; exit 1; }
{% include "templates/lib/restore-into.sh" %}
# shellcheck disable=SC2031 # (the function's own $db and $new, in its subshell, are these)
locale=$(bmf_restore_into "$dump" "$db" "$new") || exit 1
{% include "templates/lib/db-swap.sh" %}
bmf_db_swap "$db" "$new" "restored ($locale)"

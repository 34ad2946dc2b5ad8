-- Installer-like schema of the BlueMind directory database `bj` (a plausible stand-in, not the real
-- BlueMind schema). Loaded once into the fleet's PostgreSQL template, owned by role bj.
CREATE TABLE t_installation (
    id serial PRIMARY KEY,
    uuid uuid NOT NULL UNIQUE,
    version text NOT NULL,
    state text NOT NULL DEFAULT 'installed',
    installed_at timestamptz NOT NULL
);
-- The servers of the installation, with BlueMind's columns (ip varchar(32), fqdn, name, tags text[]:
-- parent/server/net.bluemind.server.sqlschema/sql/server-schema.1.0.0.sql; there the key is item_id,
-- a t_container_item, here id and uid stand in). ip is the address every core -> node call uses
-- (the transport map's lmtp:<ip>:2400, the firewall, nginx, Elasticsearch); tags are
-- TagDescriptor's values (parent/server/net.bluemind.server.api/src/net/bluemind/server/api/
-- TagDescriptor.java: bm/core, mail/imap, ...). The fresh-install row (gen_host.py) carries the
-- host's own address, as the installer writes it; a restored copy on the target names the origin's.
CREATE TABLE t_server (
    id serial PRIMARY KEY,
    uid text NOT NULL UNIQUE,
    ip varchar(32),
    fqdn text,
    name varchar(255),
    tags text[]
);
CREATE TABLE t_systemconf (
    key text PRIMARY KEY,
    value text
);
-- properties is an hstore, as BlueMind's (parent/domain/net.bluemind.domain.sqlschema/sql/
-- domain-schema.1.0.0.sql: CREATE EXTENSION hstore WITH schema pg_catalog; properties hstore): it
-- holds the domain's OPENID_CLIENT_SECRET, the secret of its Keycloak client (AuthDomainProperties.java).
CREATE EXTENSION IF NOT EXISTS hstore WITH schema pg_catalog;
CREATE TABLE t_domain (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    label text,
    aliases text[] NOT NULL DEFAULT '{}',
    properties hstore
);
CREATE TABLE t_container (
    id serial PRIMARY KEY,
    uid text NOT NULL UNIQUE,
    type text NOT NULL,
    name text NOT NULL,
    owner text NOT NULL,
    domain_uid text NOT NULL,
    created timestamptz NOT NULL
);
CREATE TABLE t_directory_entry (
    id serial PRIMARY KEY,
    domain_id integer NOT NULL REFERENCES t_domain(id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('USER', 'GROUP', 'RESOURCE', 'MAILSHARE', 'DOMAIN')),
    entry_uid text NOT NULL UNIQUE,
    display_name text NOT NULL,
    email text,
    archived boolean NOT NULL DEFAULT false,
    hidden boolean NOT NULL DEFAULT false,
    data jsonb
);
CREATE INDEX t_directory_entry_email_idx ON t_directory_entry (email);
CREATE TABLE t_mailbox (
    id serial PRIMARY KEY,
    entry_id integer NOT NULL REFERENCES t_directory_entry(id) ON DELETE CASCADE,
    name text NOT NULL,
    routing text NOT NULL DEFAULT 'internal',
    quota_kb bigint,
    datalocation text NOT NULL
);
CREATE TABLE t_api_key (
    sid text PRIMARY KEY,
    display_name text NOT NULL,
    subject text NOT NULL,
    domain_uid text NOT NULL
);
CREATE SEQUENCE t_directory_version_seq;
CREATE VIEW v_user_mailbox AS
    SELECT e.entry_uid, e.email, m.name AS mailbox, m.quota_kb
    FROM t_directory_entry e JOIN t_mailbox m ON m.entry_id = e.id
    WHERE e.kind = 'USER';
-- Scheduled jobs' executions, as BlueMind's
-- parent/scheduledjob/net.bluemind.scheduledjob.sqlschema/sql/scheduledjobs-schema.1.0.0.sql
-- (a running core writes a row per job run: volatile, see the `busy` knob).
CREATE TYPE t_job_exit_status AS ENUM ('IN_PROGRESS', 'SUCCESS', 'COMPLETED_WITH_WARNINGS', 'FAILURE', 'INTERRUPTED');
CREATE TABLE t_job_execution (
    id serial,
    exec_group varchar(128) NOT NULL,
    domain_uid text NOT NULL REFERENCES t_domain(name) ON DELETE CASCADE,
    job_id varchar(255) NOT NULL,
    exec_start timestamp without time zone NOT NULL,
    exec_end timestamp without time zone,
    status t_job_exit_status NOT NULL,
    PRIMARY KEY (exec_group, domain_uid, job_id),
    UNIQUE (id)
);
-- BlueMind's item store, reduced (parent/core/net.bluemind.core.container.sqlschema/sql/
-- item-store-1.0.0-SNAPSHOT.sql in mdhender/bluemindfork). Its ids come in blocks ahead of use:
-- OfflineMgmtStore.reserveItemIds books COUNT ids of t_container_item_id_seq at once (the
-- schema's multi_nextval, later locked_multi_nextval) for clients that create items offline;
-- ids booked and never used leave the sequence's last_value ahead of every row, so a copy must
-- take the sequence's value, never max(id). populate and mutate book such blocks.
CREATE TABLE t_container_item (
    id bigserial PRIMARY KEY,
    container_id int4 REFERENCES t_container(id),
    uid text NOT NULL,
    version int4 NOT NULL,
    displayname text,
    created timestamp NOT NULL,
    updated timestamp NOT NULL,
    flags int4 NOT NULL,
    UNIQUE (container_id, uid)
);
-- book COUNT ids of SEQ, return the first (the same effect as BlueMind's function, under an
-- advisory lock per sequence so that two bookings never overlap)
CREATE FUNCTION multi_nextval(seq regclass, count integer) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    first bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(seq::oid::bigint);
    first := nextval(seq);
    PERFORM setval(seq, first + count - 1, true);
    RETURN first;
END;
$$;
-- Who may do what on a container, as BlueMind's t_container_acl (same file): NO primary key and
-- no unique constraint (about 40 of BlueMind's tables have none): an UPDATE or DELETE of its rows
-- has no key to be replicated by. populate fills it, mutate updates and deletes rows in it.
CREATE TABLE t_container_acl (
    container_id int4 REFERENCES t_container(id),
    subject text NOT NULL,
    verb text NOT NULL,
    position int2 NOT NULL
);
CREATE INDEX idx_container_acl_container_id ON t_container_acl (container_id);
CREATE INDEX idx_container_acl_subject_verb ON t_container_acl (subject, verb);

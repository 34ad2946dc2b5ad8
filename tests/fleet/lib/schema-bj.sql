-- Installer-like schema of the BlueMind directory database `bj` (a plausible stand-in, not the real
-- BlueMind schema). Loaded once into the fleet's PostgreSQL template, owned by role bj.
CREATE TABLE t_installation (
    id serial PRIMARY KEY,
    uuid uuid NOT NULL UNIQUE,
    version text NOT NULL,
    state text NOT NULL DEFAULT 'installed',
    installed_at timestamptz NOT NULL
);
CREATE TABLE t_server (
    id serial PRIMARY KEY,
    uid text NOT NULL UNIQUE,
    ip inet NOT NULL,
    fqdn text NOT NULL,
    tags text[] NOT NULL DEFAULT '{}'
);
CREATE TABLE t_systemconf (
    key text PRIMARY KEY,
    value text
);
CREATE TABLE t_domain (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    label text,
    aliases text[] NOT NULL DEFAULT '{}',
    properties jsonb NOT NULL DEFAULT '{}'
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

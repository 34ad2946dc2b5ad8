-- Installer-like schema of the BlueMind data database `bj-data` (a plausible stand-in).
CREATE TABLE t_message_body (
    guid bytea PRIMARY KEY,
    subject text,
    size integer NOT NULL,
    preview text,
    headers jsonb NOT NULL DEFAULT '{}',
    structure bytea,
    created timestamptz NOT NULL
);
CREATE TABLE t_mailbox_record (
    id bigserial PRIMARY KEY,
    mailbox_uid text NOT NULL,
    imap_uid integer NOT NULL,
    message_body_guid bytea NOT NULL REFERENCES t_message_body(guid),
    flags text[] NOT NULL DEFAULT '{}',
    internal_date timestamptz NOT NULL,
    last_updated timestamptz NOT NULL,
    UNIQUE (mailbox_uid, imap_uid)
);
-- t_calendar_vevent and t_addressbook_vcard have no primary key in BlueMind
-- (parent/calendar/net.bluemind.calendar.sqlschema/sql/vevent-schema.1.0.0.sql,
-- parent/addressbook/net.bluemind.addressbook.sqlschema/sql/vcard-schema.1.0.0.sql: only an
-- item_id referencing t_container_item, for which the id below stands in, not unique): mutate
-- updates and deletes rows of both.
CREATE TABLE t_calendar_vevent (
    id bigserial NOT NULL,
    item_uid text NOT NULL,
    summary text,
    location text,
    description text,
    dtstart timestamptz,
    dtend timestamptz,
    rrule text
);
CREATE INDEX tcv_item_id_fkey ON t_calendar_vevent (id);
CREATE TABLE t_addressbook_vcard (
    id bigserial NOT NULL,
    item_uid text NOT NULL,
    formatted_name text NOT NULL,
    emails text[] NOT NULL DEFAULT '{}',
    note text,
    photo bytea
);
CREATE INDEX i_addressbook_vcard_item ON t_addressbook_vcard (id);
CREATE TABLE t_container_changeset (
    id bigserial PRIMARY KEY,
    container_uid text NOT NULL,
    version bigint NOT NULL,
    item_uid text NOT NULL,
    action character(1) NOT NULL CHECK (action IN ('C', 'U', 'D'))
);
CREATE INDEX t_container_changeset_container_idx ON t_container_changeset (container_uid, version);
CREATE TABLE t_settings (
    key text PRIMARY KEY,
    value text NOT NULL
);
CREATE SEQUENCE t_container_item_version_seq;

-- memoryd schema 7, PostgreSQL. Keep in step with sqlite/0007_feed.sql.
--
-- Provenance: the agent (X-Agent-Id, or the token's agent) of each write,
-- NULL when the write named none. Sessions keep who created them and who
-- changed them last; versions, audits, deployments and sites who wrote them.
ALTER TABLE sessions ADD COLUMN created_by text NULL;
ALTER TABLE sessions ADD COLUMN updated_by text NULL;
ALTER TABLE sites ADD COLUMN created_by text NULL;
ALTER TABLE site_versions ADD COLUMN agent text NULL;
ALTER TABLE audits ADD COLUMN agent text NULL;
ALTER TABLE deployments ADD COLUMN agent text NULL;

-- The change feed: one row per write, inserted in the write's transaction.
-- Transactions commit out of event_id order, so the feed is ordered by
-- (txid, event_id), and a reader returns only rows whose txid is below the
-- xmin of its snapshot: every transaction below it has ended, so no event
-- can appear later below a cursor already handed out (docs/architecture.md).
-- txid is the writer's pg_current_xact_id(), raised to the newest earlier
-- event of the same site or session, so those stay in the order written.
-- No foreign keys: the event of a deleted session outlives it.
CREATE TABLE events (
    event_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    txid       xid8        NOT NULL DEFAULT pg_current_xact_id(),
    tenant     text        NOT NULL,
    type       text        NOT NULL,
    session_id uuid        NOT NULL,
    site_id    uuid        NULL,
    version    bigint      NULL,
    ref_id     uuid        NULL,
    agent      text        NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX events_tenant_order_idx ON events (tenant, txid, event_id);
CREATE INDEX events_order_idx ON events (txid, event_id);
CREATE INDEX events_created_idx ON events (created_at);
-- The newest event of a site or of a session, which a new one's txid is
-- raised to (event_repository.cpp).
CREATE INDEX events_site_idx ON events (site_id, txid)
    WHERE site_id IS NOT NULL;
CREATE INDEX events_session_idx ON events (session_id, txid)
    WHERE site_id IS NULL;

-- What the retention cleanup removed: every event up to this position is
-- gone, so an older cursor is answered 410 with this one.
CREATE TABLE event_horizon (
    horizon_id integer NOT NULL PRIMARY KEY CHECK (horizon_id = 1),
    txid       xid8    NOT NULL,
    event_id   bigint  NOT NULL
);
INSERT INTO event_horizon VALUES (1, '0', 0);

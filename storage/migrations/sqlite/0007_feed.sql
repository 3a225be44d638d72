-- memoryd schema 7, SQLite. Keep in step with postgresql/0007_feed.sql.
--
-- Provenance: the agent (X-Agent-Id, or the token's agent) of each write,
-- NULL when the write named none. Sessions keep who created them and who
-- changed them last; versions, audits, deployments and sites who wrote them.
ALTER TABLE sessions ADD COLUMN created_by TEXT NULL;
ALTER TABLE sessions ADD COLUMN updated_by TEXT NULL;
ALTER TABLE sites ADD COLUMN created_by TEXT NULL;
ALTER TABLE site_versions ADD COLUMN agent TEXT NULL;
ALTER TABLE audits ADD COLUMN agent TEXT NULL;
ALTER TABLE deployments ADD COLUMN agent TEXT NULL;

-- The change feed: one row per write, inserted in the write's transaction.
-- Writers are serialized (BEGIN IMMEDIATE), so AUTOINCREMENT's rowid is the
-- commit order; txid stays 0 and the order is (txid, event_id) as on
-- PostgreSQL. AUTOINCREMENT: a deleted id is never handed out again.
-- No foreign keys: the event of a deleted session outlives it.
CREATE TABLE events (
    event_id   INTEGER PRIMARY KEY AUTOINCREMENT,
    txid       INTEGER NOT NULL DEFAULT 0,
    tenant     TEXT    NOT NULL,
    type       TEXT    NOT NULL,
    session_id TEXT    NOT NULL,
    site_id    TEXT    NULL,
    version    INTEGER NULL,
    ref_id     TEXT    NULL,
    agent      TEXT    NULL,
    created_at TEXT    NOT NULL
) STRICT;
CREATE INDEX events_tenant_order_idx ON events (tenant, txid, event_id);
CREATE INDEX events_order_idx ON events (txid, event_id);
CREATE INDEX events_created_idx ON events (created_at);

-- What the retention cleanup removed: every event up to this position is
-- gone, so an older cursor is answered 410 with this one.
CREATE TABLE event_horizon (
    horizon_id INTEGER NOT NULL PRIMARY KEY CHECK (horizon_id = 1),
    txid       INTEGER NOT NULL,
    event_id   INTEGER NOT NULL
) STRICT;
INSERT INTO event_horizon VALUES (1, 0, 0);

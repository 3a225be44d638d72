-- memoryd schema 3, PostgreSQL. Keep in step with sqlite/0003_cleanup.sql.
--
-- The retention cleanup records how many sites went with the sessions and
-- which process ran it (host and pid), so that a fleet's runs can be told
-- apart.
ALTER TABLE cleanup_runs ADD COLUMN deleted_sites bigint NOT NULL DEFAULT 0;
ALTER TABLE cleanup_runs ADD COLUMN runner text NULL;

-- The fleet guard of SQLite (one row, claimed with an expiring lease). On
-- PostgreSQL a session-level advisory lock serves instead and this table
-- stays unused; it exists so that both schemas keep the same tables.
CREATE TABLE cleanup_lock (
    lock_id    integer     NOT NULL PRIMARY KEY CHECK (lock_id = 1),
    holder     text        NULL,
    expires_at timestamptz NULL
);
INSERT INTO cleanup_lock (lock_id) VALUES (1);

-- memoryd schema 3, SQLite. Keep in step with postgresql/0003_cleanup.sql.
--
-- The retention cleanup records how many sites went with the sessions and
-- which process ran it (host and pid), so that a fleet's runs can be told
-- apart.
ALTER TABLE cleanup_runs ADD COLUMN deleted_sites INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cleanup_runs ADD COLUMN runner TEXT NULL;

-- The fleet guard: one row, which a cleanup claims by writing its holder
-- and a lease end, and only when nobody holds it or the lease has run out
-- (a holder that died blocks the next run for one lease at most). Processes
-- sharing one SQLite file are on one host, so their clocks agree.
CREATE TABLE cleanup_lock (
    lock_id    INTEGER NOT NULL PRIMARY KEY CHECK (lock_id = 1),
    holder     TEXT    NULL,
    expires_at TEXT    NULL
) STRICT;
INSERT INTO cleanup_lock (lock_id) VALUES (1);

-- memoryd schema 2, SQLite. Keep in step with postgresql/0002_site_revision.sql
--
-- A site's revision goes up by one with every write that changes what
-- GET /api/sessions/sites/{id} returns (a new version, an audit, a
-- deployment), so that the cache can keep the newer of two renderings.
-- Existing sites start at 1, as a new site does. INTEGER, not BIGINT: a
-- STRICT table takes only INT, INTEGER, REAL, TEXT, BLOB and ANY (SQLite
-- integers are 64-bit anyway).

ALTER TABLE sites ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;

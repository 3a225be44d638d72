-- memoryd schema 2, PostgreSQL. Keep in step with sqlite/0002_site_revision.sql
--
-- A site's revision goes up by one with every write that changes what
-- GET /api/sessions/sites/{id} returns (a new version, an audit, a
-- deployment), so that the cache can keep the newer of two renderings.
-- Existing sites start at 1, as a new site does.

ALTER TABLE sites ADD COLUMN revision bigint NOT NULL DEFAULT 1;

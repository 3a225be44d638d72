-- Audits and deployments cascade from their site, no longer from their
-- version (see postgresql/0008_site_level_cascade.sql for why). SQLite
-- cannot change a table's keys in place: each table is rebuilt, inside
-- the migration's transaction. Nothing references either table, so the
-- DROP cascades nowhere.
CREATE TABLE audits_next (
    audit_id   TEXT    NOT NULL PRIMARY KEY,
    site_id    TEXT    NOT NULL
               REFERENCES sites (site_id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    score      REAL    NOT NULL CHECK (score >= 0 AND score <= 100),
    results    TEXT    NULL CHECK (results IS NULL OR json_valid(results)),
    created_at TEXT    NOT NULL,
    agent      TEXT    NULL
) STRICT;
INSERT INTO audits_next (audit_id, site_id, version, score, results, created_at, agent)
    SELECT audit_id, site_id, version, score, results, created_at, agent FROM audits;
DROP TABLE audits;
ALTER TABLE audits_next RENAME TO audits;
CREATE INDEX audits_site_created_idx ON audits (site_id, created_at);

CREATE TABLE deployments_next (
    deployment_id TEXT    NOT NULL PRIMARY KEY,
    site_id       TEXT    NOT NULL
                  REFERENCES sites (site_id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    status        TEXT    NOT NULL
                  CHECK (status IN ('pending', 'succeeded', 'failed')),
    url           TEXT    NULL,
    provider      TEXT    NULL,
    details       TEXT    NULL CHECK (details IS NULL OR json_valid(details)),
    created_at    TEXT    NOT NULL,
    agent         TEXT    NULL
) STRICT;
INSERT INTO deployments_next (deployment_id, site_id, version, status, url,
                              provider, details, created_at, agent)
    SELECT deployment_id, site_id, version, status, url, provider, details,
           created_at, agent FROM deployments;
DROP TABLE deployments;
ALTER TABLE deployments_next RENAME TO deployments;
CREATE INDEX deployments_site_created_idx ON deployments (site_id, created_at);

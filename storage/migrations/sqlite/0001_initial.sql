-- memoryd schema 1, SQLite. Keep in step with postgresql/0001_initial.sql:
-- same tables, columns, keys and indexes; only the types differ.
--
-- STRICT tables, so that a value of the wrong type is an error as it is on
-- PostgreSQL. Ids, JSON and timestamps are TEXT; timestamps are always the
-- fixed-width "YYYY-MM-DDTHH:MM:SS.ffffffZ" form of storage/timestamp.hpp, so
-- that they sort and compare as text. JSON columns are checked with
-- json_valid() as jsonb checks them on PostgreSQL. Foreign keys need
-- PRAGMA foreign_keys=ON, which every memoryd connection sets.

CREATE TABLE sessions (
    session_id  TEXT    NOT NULL PRIMARY KEY,
    tenant      TEXT    NOT NULL DEFAULT '',
    user_id     TEXT    NULL,
    state       TEXT    NOT NULL CHECK (json_valid(state)),
    revision    INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
) STRICT;
-- Retention cleanup: sessions not updated since a cutoff.
CREATE INDEX sessions_updated_at_idx ON sessions (updated_at);
-- Keyset pagination of GET /api/sessions, with and without ?user_id.
CREATE INDEX sessions_tenant_created_idx
    ON sessions (tenant, created_at, session_id);
CREATE INDEX sessions_tenant_user_created_idx
    ON sessions (tenant, user_id, created_at, session_id);

CREATE TABLE user_preferences (
    session_id  TEXT NOT NULL PRIMARY KEY
                REFERENCES sessions (session_id) ON DELETE CASCADE,
    preferences TEXT NOT NULL CHECK (json_valid(preferences)),
    updated_at  TEXT NOT NULL
) STRICT;

CREATE TABLE sites (
    site_id        TEXT    NOT NULL PRIMARY KEY,
    session_id     TEXT    NOT NULL
                   REFERENCES sessions (session_id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    site_type      TEXT    NULL,
    latest_version INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
) STRICT;
CREATE INDEX sites_session_created_idx ON sites (session_id, created_at, site_id);

-- The primary key is what makes version numbers unique per site across
-- concurrent writers.
CREATE TABLE site_versions (
    site_id      TEXT    NOT NULL
                 REFERENCES sites (site_id) ON DELETE CASCADE,
    version      INTEGER NOT NULL CHECK (version >= 1),
    code         TEXT    NOT NULL,
    code_size    INTEGER NOT NULL,
    code_sha256  TEXT    NOT NULL,
    requirements TEXT    NULL CHECK (requirements IS NULL OR json_valid(requirements)),
    changes      TEXT    NULL,
    audit_score  REAL    NULL,
    created_at   TEXT    NOT NULL,
    PRIMARY KEY (site_id, version)
) STRICT;

CREATE TABLE audits (
    audit_id   TEXT    NOT NULL PRIMARY KEY,
    site_id    TEXT    NOT NULL,
    version    INTEGER NOT NULL,
    score      REAL    NOT NULL CHECK (score >= 0 AND score <= 100),
    results    TEXT    NULL CHECK (results IS NULL OR json_valid(results)),
    created_at TEXT    NOT NULL,
    FOREIGN KEY (site_id, version)
        REFERENCES site_versions (site_id, version) ON DELETE CASCADE
) STRICT;
CREATE INDEX audits_site_created_idx ON audits (site_id, created_at);

CREATE TABLE deployments (
    deployment_id TEXT    NOT NULL PRIMARY KEY,
    site_id       TEXT    NOT NULL,
    version       INTEGER NOT NULL,
    status        TEXT    NOT NULL
                  CHECK (status IN ('pending', 'succeeded', 'failed')),
    url           TEXT    NULL,
    provider      TEXT    NULL,
    details       TEXT    NULL CHECK (details IS NULL OR json_valid(details)),
    created_at    TEXT    NOT NULL,
    FOREIGN KEY (site_id, version)
        REFERENCES site_versions (site_id, version) ON DELETE CASCADE
) STRICT;
CREATE INDEX deployments_site_created_idx ON deployments (site_id, created_at);

-- A repeated POST with the same Idempotency-Key: the primary key decides
-- which of two racing requests is first. status and response_body stay NULL
-- while the first request is still running.
CREATE TABLE idempotency_keys (
    tenant          TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL,
    method          TEXT    NOT NULL,
    path            TEXT    NOT NULL,
    request_sha256  TEXT    NOT NULL,
    status          INTEGER NULL,
    response_body   TEXT    NULL,
    created_at      TEXT    NOT NULL,
    PRIMARY KEY (tenant, idempotency_key)
) STRICT;
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- One row per retention cleanup, so that a restarted daemon knows when the
-- last one ran. run_id is the rowid: assigned on insert.
CREATE TABLE cleanup_runs (
    run_id           INTEGER NOT NULL PRIMARY KEY,
    started_at       TEXT    NOT NULL,
    finished_at      TEXT    NULL,
    cutoff           TEXT    NOT NULL,
    outcome          TEXT    NOT NULL,
    deleted_sessions INTEGER NOT NULL DEFAULT 0,
    dry_run          INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
    message          TEXT    NULL
) STRICT;

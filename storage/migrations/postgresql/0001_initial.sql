-- memoryd schema 1, PostgreSQL. Keep in step with sqlite/0001_initial.sql:
-- same tables, columns, keys and indexes; only the types differ (uuid, jsonb,
-- timestamptz here; TEXT there).
--
-- Everything a session owns cascades from it, so deleting a session (by a
-- client or by the retention cleanup) is one DELETE.

CREATE TABLE sessions (
    session_id  uuid        NOT NULL PRIMARY KEY,
    tenant      text        NOT NULL DEFAULT '',
    user_id     text        NULL,
    state       jsonb       NOT NULL,
    revision    bigint      NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
-- Retention cleanup: sessions not updated since a cutoff.
CREATE INDEX sessions_updated_at_idx ON sessions (updated_at);
-- Keyset pagination of GET /api/sessions, with and without ?user_id.
CREATE INDEX sessions_tenant_created_idx
    ON sessions (tenant, created_at, session_id);
CREATE INDEX sessions_tenant_user_created_idx
    ON sessions (tenant, user_id, created_at, session_id);

CREATE TABLE user_preferences (
    session_id  uuid        NOT NULL PRIMARY KEY
                REFERENCES sessions (session_id) ON DELETE CASCADE,
    preferences jsonb       NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE TABLE sites (
    site_id        uuid        NOT NULL PRIMARY KEY,
    session_id     uuid        NOT NULL
                   REFERENCES sessions (session_id) ON DELETE CASCADE,
    name           text        NOT NULL,
    site_type      text        NULL,
    latest_version bigint      NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE INDEX sites_session_created_idx ON sites (session_id, created_at, site_id);

-- The primary key is what makes version numbers unique per site across
-- concurrent writers and daemon instances.
CREATE TABLE site_versions (
    site_id      uuid             NOT NULL
                 REFERENCES sites (site_id) ON DELETE CASCADE,
    version      bigint           NOT NULL CHECK (version >= 1),
    code         text             NOT NULL,
    code_size    bigint           NOT NULL,
    code_sha256  text             NOT NULL,
    requirements jsonb            NULL,
    changes      text             NULL,
    audit_score  double precision NULL,
    created_at   timestamptz      NOT NULL,
    PRIMARY KEY (site_id, version)
);

CREATE TABLE audits (
    audit_id   uuid             NOT NULL PRIMARY KEY,
    site_id    uuid             NOT NULL,
    version    bigint           NOT NULL,
    score      double precision NOT NULL CHECK (score >= 0 AND score <= 100),
    results    jsonb            NULL,
    created_at timestamptz      NOT NULL,
    FOREIGN KEY (site_id, version)
        REFERENCES site_versions (site_id, version) ON DELETE CASCADE
);
CREATE INDEX audits_site_created_idx ON audits (site_id, created_at);

CREATE TABLE deployments (
    deployment_id uuid        NOT NULL PRIMARY KEY,
    site_id       uuid        NOT NULL,
    version       bigint      NOT NULL,
    status        text        NOT NULL
                  CHECK (status IN ('pending', 'succeeded', 'failed')),
    url           text        NULL,
    provider      text        NULL,
    details       jsonb       NULL,
    created_at    timestamptz NOT NULL,
    FOREIGN KEY (site_id, version)
        REFERENCES site_versions (site_id, version) ON DELETE CASCADE
);
CREATE INDEX deployments_site_created_idx ON deployments (site_id, created_at);

-- A repeated POST with the same Idempotency-Key: the primary key decides
-- which of two racing requests is first. status and response_body stay NULL
-- while the first request is still running.
CREATE TABLE idempotency_keys (
    tenant          text        NOT NULL,
    idempotency_key text        NOT NULL,
    method          text        NOT NULL,
    path            text        NOT NULL,
    request_sha256  text        NOT NULL,
    status          integer     NULL,
    response_body   text        NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant, idempotency_key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- One row per retention cleanup, so that a restarted daemon knows when the
-- last one ran.
CREATE TABLE cleanup_runs (
    run_id           integer     GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at       timestamptz NOT NULL,
    finished_at      timestamptz NULL,
    cutoff           timestamptz NOT NULL,
    outcome          text        NOT NULL,
    deleted_sessions bigint      NOT NULL DEFAULT 0,
    dry_run          boolean     NOT NULL,
    message          text        NULL
);

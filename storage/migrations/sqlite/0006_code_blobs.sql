-- memoryd schema 6, SQLite. Keep in step with postgresql/0006_code_blobs.sql:
-- compact version storage (see the comments there).
CREATE TABLE code_blobs (
    sha256      TEXT    NOT NULL PRIMARY KEY,
    base_sha256 TEXT    NULL REFERENCES code_blobs (sha256),
    size        INTEGER NOT NULL CHECK (size >= 0),
    data        BLOB    NOT NULL
) STRICT;
CREATE INDEX code_blobs_base_idx ON code_blobs (base_sha256)
    WHERE base_sha256 IS NOT NULL;
CREATE INDEX site_versions_code_sha256_idx ON site_versions (code_sha256);
CREATE INDEX site_versions_plain_idx ON site_versions (site_id, version)
    WHERE code <> '';

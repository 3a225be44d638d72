-- memoryd schema 4, SQLite. Keep in step with postgresql/0004_idempotency.sql.
--
-- Every write carries a key: the client's Idempotency-Key, or one the daemon
-- made for the write, so that a retry after an ambiguous COMMIT finds the
-- first result instead of writing again. The key row is written in the same
-- transaction as the write, with the committed result to answer a repeat
-- with. The table of schema 1 was never written; it is replaced.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    tenant          TEXT NOT NULL,
    made_by         TEXT NOT NULL CHECK (made_by IN ('client', 'daemon')),
    idempotency_key TEXT NOT NULL,
    operation       TEXT NOT NULL,
    request_sha256  TEXT NOT NULL,
    result          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (tenant, made_by, idempotency_key)
) STRICT;
-- The nightly cleanup removes keys older than IDEMPOTENCY_KEY_HOURS.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

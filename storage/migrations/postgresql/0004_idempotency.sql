-- memoryd schema 4, PostgreSQL. Keep in step with sqlite/0004_idempotency.sql.
--
-- Every write carries a key: the client's Idempotency-Key, or one the daemon
-- made for the write, so that a retry after an ambiguous COMMIT finds the
-- first result instead of writing again. The key row is written in the same
-- transaction as the write, with the committed result to answer a repeat
-- with. The table of schema 1 was never written; it is replaced.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    tenant          text        NOT NULL,
    made_by         text        NOT NULL CHECK (made_by IN ('client', 'daemon')),
    idempotency_key text        NOT NULL,
    operation       text        NOT NULL,
    request_sha256  text        NOT NULL,
    result          text        NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (tenant, made_by, idempotency_key)
);
-- The nightly cleanup removes keys older than IDEMPOTENCY_KEY_HOURS.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- memoryd schema 6, PostgreSQL. Keep in step with sqlite/0006_code_blobs.sql.
--
-- Compact version storage: the code of a version is stored once per
-- distinct SHA-256, compressed with zstd, in code_blobs. A keyframe
-- (base_sha256 NULL) is one zstd frame of the whole text; a delta is a zstd
-- frame made with its keyframe's text as a prefix dictionary, so reading
-- any version takes at most two blobs. site_versions refers to its blob by
-- its code_sha256; such a row holds '' in code. A row whose code is not
-- empty holds its text itself, as every row did before this migration: the
-- daemon converts those in the background, in batches (see
-- storage/code_conversion.cpp), and reads both forms meanwhile.
CREATE TABLE code_blobs (
    sha256      text   NOT NULL PRIMARY KEY,
    -- The keyframe of a delta; a keyframe cannot go while a delta needs it.
    base_sha256 text   NULL REFERENCES code_blobs (sha256),
    size        bigint NOT NULL CHECK (size >= 0),
    data        bytea  NOT NULL
);
-- zstd frames do not compress further: no pglz attempt on each one.
ALTER TABLE code_blobs ALTER COLUMN data SET STORAGE EXTERNAL;
-- The deltas of a keyframe: the writer's chain statistics and the
-- collector's "still needed as a keyframe" test.
CREATE INDEX code_blobs_base_idx ON code_blobs (base_sha256)
    WHERE base_sha256 IS NOT NULL;
-- The collector's "still referenced" test: equality only, so a hash index,
-- a quarter of a B-tree's size on 64-character keys.
CREATE INDEX site_versions_code_sha256_idx ON site_versions
    USING hash (code_sha256);
-- The rows still to convert; empty once the conversion is done.
CREATE INDEX site_versions_plain_idx ON site_versions (site_id, version)
    WHERE code <> '';

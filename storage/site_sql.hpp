#pragma once

// The SQL of site_repository, as named constants shared by both backends
// (the dialect differences live in storage/dialect.hpp). Internal to
// storage/site_repository.cpp.

namespace memoryd::storage::site_sql {

// A site, in the column order site_rows expects.
constexpr const char* select_sites_sql = R"sql(
SELECT site_id, session_id, name, site_type, latest_version, revision,
       forked_from_site_id, forked_from_version, created_by, created_at,
       updated_at
FROM sites)sql";

constexpr const char* site_by_id_sql = " WHERE site_id = :site_id";

// Keyset pagination as in session_repository, from sites_session_created_idx.
constexpr const char* sites_of_session_sql = " WHERE session_id = :session_id";
constexpr const char* and_after_site_sql =
  " AND (created_at, site_id) > (:after_created_at, :after_site_id)";
constexpr const char* site_page_order_sql =
  " ORDER BY created_at, site_id LIMIT :limit";

// A version's metadata, in the column order version_rows expects, followed
// by its code only when asked for: a list of versions of MBs each would
// otherwise read all of them.
constexpr const char* select_versions_sql = R"sql(
SELECT site_id, version, code_size, code_sha256, requirements, changes,
       audit_score, agent, restored_from, created_at)sql";
// The code is the row's own when not empty, else its blob's, decoded with
// its base and its base's base: see storage/code_blobs.hpp.
constexpr const char* and_code_sql =
  ", code, b.data, b.base_sha256, k.size, k.data, k.base_sha256, k2.size,"
  " k2.data";
constexpr const char* versions_with_code_sql = R"sql(
 FROM site_versions
 LEFT JOIN code_blobs b ON code = '' AND b.sha256 = code_sha256
 LEFT JOIN code_blobs k ON k.sha256 = b.base_sha256
 LEFT JOIN code_blobs k2 ON k2.sha256 = k.base_sha256)sql";
constexpr const char* from_site_versions_sql =
  " FROM site_versions WHERE site_id = :site_id";
constexpr const char* where_site_sql = " WHERE site_id = :site_id";
constexpr const char* and_version_sql = " AND version = :version";
// Newest first, keyset on the number, from the primary key's index. A new
// version gets a higher number than any existing one, so it never lands
// below a cursor.
constexpr const char* and_below_version_sql = " AND version < :before_version";
constexpr const char* version_page_order_sql =
  " ORDER BY version DESC LIMIT :limit";

// Audits and deployments, in the column order audit_rows and
// deployment_rows expect.
constexpr const char* select_audits_sql = R"sql(
SELECT audit_id, site_id, version, score, results, agent, created_at
FROM audits)sql";
constexpr const char* select_deployments_sql = R"sql(
SELECT deployment_id, site_id, version, status, url, provider, details,
       agent, created_at
FROM deployments)sql";

// A site's newest; the id breaks ties of created_at, so that the order is
// the same on every read.
constexpr const char* newest_audits_of_site_sql = R"sql(
 WHERE site_id = :site_id
ORDER BY created_at DESC, audit_id DESC LIMIT :limit)sql";
constexpr const char* newest_deployments_of_site_sql = R"sql(
 WHERE site_id = :site_id
ORDER BY created_at DESC, deployment_id DESC LIMIT :limit)sql";

constexpr const char* session_exists_sql =
  "SELECT 1 FROM sessions WHERE session_id = :id";
constexpr const char* site_exists_sql =
  "SELECT 1 FROM sites WHERE site_id = :id";

constexpr const char* select_revision_sql =
  "SELECT revision FROM sites WHERE site_id = :id";

constexpr const char* select_site_ids_sql = R"sql(
SELECT site_id FROM sites WHERE session_id = :session_id
ORDER BY created_at, site_id)sql";

// ON CONFLICT DO NOTHING + RETURNING, as in session_repository: a duplicate
// key returns no row, without an error that would abort a PostgreSQL
// transaction.
constexpr const char* insert_site_sql = R"sql(
INSERT INTO sites
    (site_id, session_id, name, site_type, latest_version, revision,
     created_by, created_at, updated_at)
VALUES
    (:site_id, :session_id, :name, :site_type, 1, 1, :created_by,
     :created_at, :updated_at)
ON CONFLICT (site_id) DO NOTHING
RETURNING revision)sql";

constexpr const char* insert_version_sql = R"sql(
INSERT INTO site_versions
    (site_id, version, code, code_size, code_sha256, requirements, changes,
     restored_from, agent, created_at)
VALUES
    (:site_id, :version, :code, :code_size, :code_sha256, :requirements,
     :changes, :restored_from, :agent, :created_at)
ON CONFLICT (site_id, version) DO NOTHING
RETURNING version)sql";

// One version on PostgreSQL: the site's row lock, its number and its row in
// one statement, one round trip instead of two (reserve_versions_sql, then
// insert_version_sql). The UPDATE's row lock numbers it exactly as
// reserve_versions_sql does. No row: the site does not exist; a version of
// 0: the number was taken (above the site's latest_version), and the UPDATE
// is to be rolled back. The casts are needed because the parameters sit in
// a SELECT list, where PostgreSQL cannot infer their types from the target
// columns.
constexpr const char* add_one_version_head_postgresql_sql = R"sql(
WITH reserved AS (
  UPDATE sites
  SET latest_version = latest_version + 1,
      revision = revision + 1,
      updated_at = CAST(:created_at AS timestamptz)
  WHERE site_id = CAST(:site_id AS uuid)
  RETURNING site_id, latest_version, revision),
added AS (
  INSERT INTO site_versions
      (site_id, version, code, code_size, code_sha256, requirements, changes,
       restored_from, agent, created_at)
  SELECT site_id, latest_version, CAST(:code AS text),
         CAST(:code_size AS bigint), CAST(:code_sha256 AS text),
         CAST(:requirements AS jsonb), CAST(:changes AS text),
         CAST(:restored_from AS bigint), CAST(:agent AS text),
         CAST(:created_at AS timestamptz)
  FROM reserved
  ON CONFLICT (site_id, version) DO NOTHING
  RETURNING version))sql";
constexpr const char* add_one_version_tail_postgresql_sql = R"sql(
SELECT COALESCE((SELECT version FROM added), 0), revision FROM reserved)sql";
// The same for a version whose text reuses a blob: also key-share locks
// that blob, after the site's row (held reads reserved), and counts it
// (0: it has gone since it was planned, and code_blobs::store() stores it
// again). One round trip instead of two per reused text.
constexpr const char* add_one_reusing_version_tail_postgresql_sql = R"sql(,
held AS (
  SELECT 1 FROM code_blobs b, reserved
  WHERE b.sha256 = CAST(:code_sha256 AS text)
  FOR KEY SHARE OF b)
SELECT COALESCE((SELECT version FROM added), 0), revision,
       (SELECT count(*) FROM held)
FROM reserved)sql";

// Reserves :count numbers above the latest. The row lock this takes queues
// every other writer of the site until commit, and a queued UPDATE on
// PostgreSQL then works on the row as the first one committed it. (A
// subquery such as MAX(version) would instead still read the queued
// statement's older snapshot, and hand out the same numbers twice.)
constexpr const char* reserve_versions_sql = R"sql(
UPDATE sites
SET latest_version = latest_version + :count,
    revision = revision + 1,
    updated_at = :updated_at
WHERE site_id = :site_id
RETURNING latest_version, revision)sql";

// The same row lock and revision bump, for a write that adds no version.
constexpr const char* touch_site_sql = R"sql(
UPDATE sites
SET revision = revision + 1, updated_at = :updated_at
WHERE site_id = :site_id
RETURNING revision)sql";

constexpr const char* set_audit_score_sql = R"sql(
UPDATE site_versions SET audit_score = :score
WHERE site_id = :site_id AND version = :version
RETURNING version)sql";

// A fork: the new site, then versions 1..:up_to of the source as its own,
// with their numbers, code, requirements, changes, restores and times. Only
// the rows are copied: audits and deployments stay with the source, so a
// version's audit_score starts empty.
// Parameters stand where their column's type is known (VALUES of an
// INSERT, comparisons), never alone in a SELECT list, where PostgreSQL would
// take them for text; so one text serves both backends.
constexpr const char* insert_fork_site_sql = R"sql(
INSERT INTO sites
    (site_id, session_id, name, site_type, latest_version, revision,
     forked_from_site_id, forked_from_version, created_by, created_at,
     updated_at)
VALUES
    (:site_id, :session_id,
     COALESCE(:name, (SELECT name FROM sites WHERE site_id = :source_site_id)),
     (SELECT site_type FROM sites WHERE site_id = :source_site_id),
     :up_to, 1, :source_site_id, :up_to, :created_by, :created_at,
     :created_at)
ON CONFLICT (site_id) DO NOTHING
RETURNING revision)sql";

constexpr const char* select_fork_source_sql =
  "SELECT latest_version, session_id FROM sites WHERE site_id = :site_id";

constexpr const char* copy_fork_versions_sql = R"sql(
INSERT INTO site_versions
    (site_id, version, code, code_size, code_sha256, requirements, changes,
     restored_from, agent, created_at)
SELECT fork.site_id, v.version, v.code, v.code_size, v.code_sha256,
       v.requirements, v.changes, v.restored_from, v.agent, v.created_at
FROM site_versions v JOIN sites fork ON fork.site_id = :site_id
WHERE v.site_id = :source_site_id AND v.version <= :up_to)sql";

constexpr const char* version_exists_sql =
  "SELECT 1 FROM site_versions WHERE site_id = :site_id AND version = :version";

constexpr const char* insert_audit_sql = R"sql(
INSERT INTO audits
    (audit_id, site_id, version, score, results, agent, created_at)
VALUES
    (:audit_id, :site_id, :version, :score, :results, :agent, :created_at)
ON CONFLICT (audit_id) DO NOTHING
RETURNING version)sql";

constexpr const char* insert_deployment_sql = R"sql(
INSERT INTO deployments
    (deployment_id, site_id, version, status, url, provider, details,
     agent, created_at)
VALUES
    (:deployment_id, :site_id, :version, :status, :url, :provider, :details,
     :agent, :created_at)
ON CONFLICT (deployment_id) DO NOTHING
RETURNING version)sql";

} // namespace memoryd::storage::site_sql

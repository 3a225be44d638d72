#pragma once

// The INSERTs of a site's new versions, shared by the site repository's
// create and add_versions. Internal to storage/. Each runs inside the
// caller's transaction and throws conflict when the number is taken (a
// version above the site's latest_version, which only a hand edit makes).

#include <string>

#include <soci/soci.h>

#include "storage/code_blobs.hpp"
#include "storage/site_records.hpp"

namespace memoryd::storage::version_insert {

/// Inserts version `number` whose code `stored` describes: in the row when
/// it is plain, else as the blob named by its code_sha256 (which
/// code_blobs::store makes exist in the same transaction).
void insert(soci::session& sql, const std::string& site_id, long long number,
            const new_version& v, const std::string& created_at,
            const code_blobs::encoded_code& stored);

/// PostgreSQL: adds `v` above the site's latest_version in one statement
/// that also takes the site's row lock and bumps its revision
/// (site_sql::add_one_version_head_postgresql_sql). Answers its number;
/// `revision` receives the site's revision after it. A reused blob is
/// locked by the same statement: `stored.held` says whether it was there.
/// Throws not_found for a site that does not exist.
long long add_one_postgresql(soci::session& sql, const std::string& site_id,
                             const new_version& v,
                             const std::string& created_at,
                             code_blobs::encoded_code& stored,
                             long long& revision);

} // namespace memoryd::storage::version_insert

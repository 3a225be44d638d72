#include "storage/version_insert.hpp"

#include <span>
#include <string>

#include <soci/soci.h>

#include "storage/errors.hpp"
#include "storage/prepared_statement.hpp"
#include "storage/site_checks.hpp"
#include "storage/site_sql.hpp"

namespace memoryd::storage::version_insert {

namespace {

using namespace site_sql;

// The parameters of a new version's row but its number: its code only
// when it is stored plain, else the blob named by its code_sha256.
statement_params version_params(const std::string& site_id,
                                const new_version& v,
                                const std::string& created_at,
                                const code_blobs::encoded_code& stored) {
  statement_params params;
  params.text("site_id", site_id)
    .text("code", stored.plain ? v.code : std::string{})
    .integer("code_size", v.code_size)
    .text("code_sha256", v.code_sha256)
    .text("requirements", v.requirements_json, v.has_requirements)
    .text("changes", v.changes, v.has_changes)
    .integer("restored_from", v.restored_from, v.restored_from > 0)
    .text("agent", v.agent, !v.agent.empty())
    .text("created_at", created_at);
  return params;
}

} // namespace

void insert(soci::session& sql, const std::string& site_id, long long number,
            const new_version& v, const std::string& created_at,
            const code_blobs::encoded_code& stored) {
  static const prepared_sql statement{"memoryd_insert_version",
                                      insert_version_sql};
  auto params = version_params(site_id, v, created_at, stored);
  params.integer("version", number);
  if (!run_prepared(sql, statement, params))
    throw conflict("version " + std::to_string(number) + " of site " + site_id
                   + " already exists, above the site's latest_version");
}

long long add_one_postgresql(soci::session& sql, const std::string& site_id,
                             const new_version& v,
                             const std::string& created_at,
                             code_blobs::encoded_code& stored,
                             long long& revision) {
  static const prepared_sql plain{
    "memoryd_add_one_version",
    std::string{add_one_version_head_postgresql_sql}
      + add_one_version_tail_postgresql_sql};
  static const prepared_sql reusing{
    "memoryd_add_one_reusing_version",
    std::string{add_one_version_head_postgresql_sql}
      + add_one_reusing_version_tail_postgresql_sql};
  // The version, the revision, and for a reused blob whether it is held.
  long long added[3] = {0, 0, 0};
  const bool reuse = stored.reuse && !stored.plain;
  if (!run_prepared(sql, reuse ? reusing : plain,
                    version_params(site_id, v, created_at, stored),
                    std::span<long long>{added, reuse ? 3u : 2u}))
    throw not_found(site_checks::no_site(site_id));
  if (added[0] == 0)
    throw conflict("a version number of site " + site_id
                   + " is taken above the site's latest_version");
  revision = added[1];
  stored.held = added[2] > 0;
  return added[0];
}

} // namespace memoryd::storage::version_insert

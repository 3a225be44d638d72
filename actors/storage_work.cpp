#include "actors/storage_work.hpp"

#include "storage/code_blobs.hpp"
#include "storage/event_repository.hpp"

namespace memoryd::storage_work {

std::optional<refusal> refusal_of(const std::exception& e) {
  if (dynamic_cast<const storage::not_found*>(&e))
    return refusal{errc::not_found, e.what()};
  if (dynamic_cast<const storage::precondition_failed*>(&e))
    return refusal{errc::precondition_failed, e.what()};
  if (dynamic_cast<const storage::conflict*>(&e))
    return refusal{errc::conflict, e.what()};
  if (dynamic_cast<const storage::deadline_passed*>(&e))
    return refusal{errc::timeout, e.what()};
  if (dynamic_cast<const storage::corrupt_blob*>(&e)) {
    // The database works; one stored text does not decode.
    spdlog::error("storage: {}", e.what());
    return refusal{errc::storage,
                   std::string{"stored code does not decode: "} + e.what()};
  }
  if (dynamic_cast<const std::invalid_argument*>(&e))
    // Input the API layer let through but the repository refuses.
    return refusal{errc::validation, e.what()};
  return std::nullopt;
}

std::string no_session(const std::string& id) {
  return "session " + id + " does not exist";
}

std::string no_site(const std::string& id) {
  return "site " + id + " does not exist";
}

void compress_ahead(worker_ptr self, const std::vector<version_group>& groups) {
  auto& st = self->state;
  if (!st.sql)
    return;  // the write opens the connection
  std::vector<storage::code_blobs::site_codes> sites;
  sites.reserve(groups.size());
  for (const auto& g : groups) {
    auto& site = sites.emplace_back();
    site.site_id = g.site_id;
    for (const auto& v : g.versions)
      site.codes.push_back({v.code, v.code_sha256});
  }
  try {
    storage::code_blobs::prepare(*st.sql, sites);
  } catch (const std::exception& e) {
    spdlog::debug("storage: compressing ahead failed: {}",
                  std::string{e.what()}.substr(0, 200));
  }
}

void emit(soci::session& sql, const storage::write_key& key, const char* type,
          const std::string& session_id, const std::string& site_id,
          int64_t version, const std::string& ref_id) {
  storage::event_record e;
  e.tenant = key.tenant;
  e.type = type;
  e.session_id = session_id;
  e.site_id = site_id;
  e.version = version;
  e.ref_id = ref_id;
  e.agent = key.agent;
  storage::event_repository{sql}.append(e);
}

} // namespace memoryd::storage_work

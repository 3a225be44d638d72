#include "actors/storage_work.hpp"

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

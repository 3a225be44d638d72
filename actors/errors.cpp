#include "actors/errors.hpp"

#include <caf/atom.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace memoryd {

namespace {

constexpr caf::atom_value category = caf::atom("memoryd");

std::string context_text(const caf::error& err) {
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return ctx.empty() ? std::string{} : caf::to_string(ctx);
}

} // namespace

std::string to_string(errc code) {
  switch (code) {
    case errc::none: return "none";
    case errc::validation: return "validation";
    case errc::not_found: return "not_found";
    case errc::precondition_failed: return "precondition_failed";
    case errc::conflict: return "conflict";
    case errc::payload_too_large: return "payload_too_large";
    case errc::storage: return "storage";
    case errc::unavailable: return "unavailable";
    case errc::timeout: return "timeout";
  }
  return "unknown";
}

caf::error make_error(errc code, std::string message) {
  return caf::error{static_cast<uint8_t>(code), category,
                    caf::make_message(std::move(message))};
}

api_response error_response(const caf::error& err, std::string_view request_id) {
  if (err.category() == category) {
    auto message = context_text(err);
    switch (static_cast<errc>(err.code())) {
      case errc::validation:
        return make_error_response(error_type::validation, message, request_id);
      case errc::not_found:
        return make_error_response(error_type::not_found, message, request_id);
      case errc::precondition_failed:
        return make_error_response(error_type::precondition_failed, message,
                                   request_id);
      case errc::conflict:
        return make_error_response(error_type::conflict, message, request_id);
      case errc::payload_too_large:
        return make_error_response(error_type::payload_too_large, message,
                                   request_id);
      case errc::storage:
        return make_error_response(503, error_type::storage, message,
                                   request_id);
      case errc::unavailable:
        return make_error_response(error_type::unavailable, message,
                                   request_id);
      case errc::timeout:
        return make_error_response(504, error_type::network, message,
                                   request_id);
      case errc::none:
        break;
    }
  }
  if (err == caf::sec::request_timeout)
    return make_error_response(504, error_type::network,
                               "the request did not complete in time",
                               request_id);
  return make_error_response(500, error_type::internal,
                             "internal error: " + caf::to_string(err),
                             request_id);
}

} // namespace memoryd

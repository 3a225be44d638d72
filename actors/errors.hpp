#pragma once

// The domain's error codes as caf::errors (category "memoryd"), and their
// mapping to the contract's error envelope.

#include <cstdint>
#include <stdexcept>
#include <string>

#include <caf/error.hpp>

#include "actors/api.hpp"

namespace memoryd {

enum class errc : uint8_t {
  none = 0,
  validation,
  not_found,
  precondition_failed,
  conflict,
  payload_too_large,
  storage,      // the database failed after retries
  unavailable,  // overloaded or shutting down
  timeout,      // gave up at the request's deadline, having changed nothing
};

std::string to_string(errc code);

/// A caf::error of category "memoryd" whose context is `message`.
caf::error make_error(errc code, std::string message);

/// The envelope for any caf::error reaching the front actor: ours map by
/// code, CAF's request timeout to 504 network, anything else to 500.
api_response error_response(const caf::error& err, std::string_view request_id);

/// Thrown while decoding a request (bad JSON, wrong type...); the front
/// actor turns it into the envelope. Never crosses an actor boundary.
struct request_error : std::runtime_error {
  request_error(error_type t, const std::string& message)
    : std::runtime_error(message), type(t) {
    // nop
  }
  error_type type;
};

} // namespace memoryd

#pragma once

// Domain outcomes of repository calls, as exceptions: callers (the storage
// actor) map them to API errors. Database failures stay soci::soci_error.

#include <stdexcept>
#include <string>

namespace memoryd::storage {

/// The addressed row does not exist.
struct not_found : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A conditional write found another revision than expected (If-Match).
struct precondition_failed : std::runtime_error {
  using std::runtime_error::runtime_error;
  long long current_revision = 0;
};

/// A uniqueness rule would be broken (e.g. the same id twice).
struct conflict : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Stored data does not decode to what its row promises (a damaged code
/// blob): refused, never returned in part.
struct corrupt_blob : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The caller's deadline passed before the commit: rolled back instead.
struct deadline_passed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

} // namespace memoryd::storage

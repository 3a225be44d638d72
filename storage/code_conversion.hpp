#pragma once

// The online conversion of plain site_versions rows (written before
// migration 0006: the code in the row) into code blobs, in batches, while
// the daemon serves: reads understand both forms (storage/code_blobs.hpp),
// so a half-converted database is a correct one. Each batch is read,
// compressed outside any transaction, then written in one transaction that
// stores the blobs and empties the rows' code. A crash loses at most the
// batch in flight; running it again (or twice at once) converts each row
// once, as a row whose code is already empty is left alone.

#include <cstddef>
#include <cstdint>
#include <string>

namespace soci {
class session;
}

namespace memoryd::storage {

/// Where a pass of the conversion is: after this (site_id, version).
struct conversion_cursor {
  std::string site_id = "00000000-0000-0000-0000-000000000000";
  int64_t version = 0;
};

/// What one batch did.
struct conversion_batch {
  std::size_t read = 0;       // plain rows read (fewer than asked: the end)
  std::size_t converted = 0;  // rows that now refer to a blob
  /// Rows whose code_sha256 is not their code's SHA-256 (a hand edit):
  /// they stay plain, and correct.
  std::size_t left_plain = 0;
};

/// Converts the next `batch` plain rows after `after`, which it advances.
conversion_batch convert_plain_versions(soci::session& sql,
                                        conversion_cursor& after,
                                        std::size_t batch);

/// How many plain rows are left (rows with a non-empty code).
int64_t count_plain_versions(soci::session& sql);

} // namespace memoryd::storage

#pragma once

// Sessions and their preferences row, over one soci::session. Blocking;
// used only by storage workers and tests. Every write is one transaction.

#include <optional>
#include <string>
#include <vector>

#include "storage/records.hpp"

namespace soci {
class session;
}

namespace memoryd::storage {

class session_repository {
public:
  explicit session_repository(soci::session& sql);

  /// Inserts the session (revision 1) and its preferences row. Throws
  /// storage::conflict when the id exists.
  void create(const session_record& s);

  /// create() inside the caller's transaction, for a write of which the
  /// session is one part (an import), keeping s.revision. Timestamps must
  /// be set.
  void insert(const session_record& s);

  std::optional<session_record> find(const std::string& session_id);

  /// Applies `u` to u.tenant's session and bumps revision by one, setting
  /// updated_at. Returns the stored result. Throws not_found (also for
  /// another tenant's session), or precondition_failed (with the current
  /// revision) when u.expected_revision >= 0 does not match.
  session_record update(const session_update& u);

  /// Deletes the session and, by cascade, everything that belongs to it.
  /// Returns false when it did not exist.
  bool remove(const std::string& session_id);

  /// remove() of `tenant`'s session (false for another tenant's), also
  /// collecting the ids of the sites it deleted with the session. The
  /// session row is locked first, so a site being created at that moment is
  /// either in the list or never written.
  bool remove(const std::string& session_id, const std::string& tenant,
              std::vector<std::string>& deleted_site_ids);

  /// One page, oldest first by (created_at, session_id).
  session_page list(const session_page_query& q);

private:
  soci::session& sql_;
};

} // namespace memoryd::storage

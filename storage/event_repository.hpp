#pragma once

// The change feed's table: events appended inside each write's own
// transaction, read in commit order, pruned by the retention cleanup.
// Blocking; used by storage workers, the cleanup worker and tests.
//
// Order: on PostgreSQL concurrent transactions commit out of event_id
// order, so a reader that handed out event 7 could later find event 6
// committed below its cursor. Each event therefore carries its
// transaction's id (pg_current_xact_id(), xid8), the feed is ordered by
// (txid, event_id), and a read returns only events whose txid is below the
// xmin of its own snapshot: every transaction with a lower id has ended, so
// nothing can commit later below what it returns. An event becomes visible
// once every older transaction has ended. On SQLite, BEGIN IMMEDIATE
// serializes the writers, so the AUTOINCREMENT id alone is commit order.

#include <cstddef>
#include <string>

#include "storage/event_records.hpp"

namespace soci {
class session;
}

namespace memoryd::storage {

class event_repository {
public:
  explicit event_repository(soci::session& sql);

  /// Appends `e` (position and created_at are set here) inside the
  /// caller's write transaction. Without a session_id, the session is
  /// the one of `e.site_id`.
  void append(const event_record& e);

  /// Up to `limit` of `tenant`'s events after `after`, oldest first, or
  /// `gone` when `after` lies before the retention horizon. `from_start`:
  /// the client gave no cursor (so the horizon is no error).
  event_page after(const std::string& tenant, const event_position& after,
                   bool from_start, std::size_t limit);

  /// The newest event any reader may return now (of any tenant): waiting
  /// readers re-read their pages only when it moves.
  event_position latest();

  /// Deletes, in one transaction, up to `limit` of the oldest events
  /// created before `cutoff` (and every event below the newest of them),
  /// and moves the horizon to it; returns how many went.
  std::size_t prune(const std::string& cutoff, std::size_t limit);

  /// Every event up to here was removed by prune().
  event_position horizon();

private:
  soci::session& sql_;
};

} // namespace memoryd::storage

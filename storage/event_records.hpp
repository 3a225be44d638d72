#pragma once

// The change feed's rows (table events, migration 0007). Plain data, the
// conventions of records.hpp: an empty string is SQL NULL for the optional
// ids and the agent, version 0 is NULL.

#include <cstdint>
#include <string>
#include <vector>

namespace memoryd::storage {

/// Where an event sits in the feed: (txid, event_id), compared in that
/// order. txid is PostgreSQL's pg_current_xact_id() of the writing
/// transaction, 0 on SQLite. (0, 0) is before every event.
struct event_position {
  uint64_t txid = 0;
  int64_t event_id = 0;

  friend bool operator<(const event_position& a, const event_position& b) {
    return a.txid != b.txid ? a.txid < b.txid : a.event_id < b.event_id;
  }
  friend bool operator==(const event_position& a, const event_position& b) {
    return a.txid == b.txid && a.event_id == b.event_id;
  }
};

/// One write as the feed shows it.
struct event_record {
  event_position position;   // set by the database
  std::string tenant;
  std::string type;          // "session_created", "version_added", ...
  std::string session_id;
  std::string site_id;       // "": none
  int64_t version = 0;       // 0: none
  std::string ref_id;        // the audit or deployment id; "": none
  std::string agent;         // "": none
  std::string created_at;    // set by append()
};

/// One page of a tenant's feed after a position.
struct event_page {
  std::vector<event_record> items;
  /// The position was removed by the retention cleanup: nothing is
  /// returned, and `horizon` is the oldest position still available.
  bool gone = false;
  event_position horizon;
  /// The position to resume from: the last item's, else the one asked for
  /// (or the horizon when that is newer and the request had no cursor).
  event_position next;
};

} // namespace memoryd::storage

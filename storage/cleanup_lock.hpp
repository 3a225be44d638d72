#pragma once

// The fleet-wide guard of a cleanup run: one runner among all processes on
// one database. PostgreSQL: pg_try_advisory_lock, held by the connection
// (it dies with it). SQLite: the cleanup_lock row, claimed with a lease that
// the runner renews between batches. See dialect::try_lock_cleanup.

#include <chrono>
#include <string>

namespace soci {
class session;
}

namespace memoryd::storage {

class cleanup_lock {
public:
  /// Tries once, without waiting; held() tells whether it was taken. On
  /// SQLite the lease lasts `lease` from now and renew() extends it.
  cleanup_lock(soci::session& sql, std::chrono::seconds lease);
  /// Gives the lock back if still held; never throws.
  ~cleanup_lock();
  cleanup_lock(const cleanup_lock&) = delete;
  cleanup_lock& operator=(const cleanup_lock&) = delete;

  bool held() const {
    return held_;
  }

  /// Extends the lease from now; false when it was lost.
  bool renew();

  /// Gives the lock back now.
  void release();

private:
  std::string lease_end() const;

  soci::session& sql_;
  std::chrono::seconds lease_;
  std::string holder_;  // random per lock, so a late release never frees another's
  bool held_ = false;
};

} // namespace memoryd::storage

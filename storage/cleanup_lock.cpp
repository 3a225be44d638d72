#include "storage/cleanup_lock.hpp"

#include <cstdio>
#include <random>

#include <soci/soci.h>

#include "storage/dialect.hpp"
#include "storage/timestamp.hpp"

namespace memoryd::storage {

namespace {

std::string random_holder() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx",
                static_cast<unsigned long long>(random()),
                static_cast<unsigned long long>(random()));
  return buf;
}

} // namespace

cleanup_lock::cleanup_lock(soci::session& sql, std::chrono::seconds lease)
  : sql_(sql), lease_(lease), holder_(random_holder()) {
  held_ = dialect::try_lock_cleanup(sql_, holder_, now_timestamp(), lease_end());
}

cleanup_lock::~cleanup_lock() {
  try {
    release();
  } catch (...) {
    // A broken connection: PostgreSQL freed the lock with it; a SQLite
    // lease runs out by itself.
  }
}

bool cleanup_lock::renew() {
  if (held_)
    held_ = dialect::renew_cleanup_lock(sql_, holder_, lease_end());
  return held_;
}

void cleanup_lock::release() {
  if (!held_)
    return;
  held_ = false;
  dialect::unlock_cleanup(sql_, holder_);
}

std::string cleanup_lock::lease_end() const {
  return format_timestamp(clock_type::now() + lease_);
}

} // namespace memoryd::storage

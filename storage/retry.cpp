#include "storage/retry.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include <soci/soci.h>

#include "storage/dialect.hpp"

namespace memoryd::storage {

namespace {

// Exponential backoff with "equal jitter": half of the step is fixed, half
// random, so that workers that failed together do not retry together, and
// no wait exceeds policy.max_backoff.
std::chrono::milliseconds backoff(const retry_policy& policy, int attempt) {
  using std::chrono::milliseconds;
  const auto cap = std::max(policy.max_backoff.count(), milliseconds::rep{0});
  auto step = std::max(policy.first_backoff.count(), milliseconds::rep{0});
  for (int i = 1; i < attempt && step < cap; ++i)
    step *= 2;
  step = std::min(step, cap);
  thread_local std::minstd_rand random{std::random_device{}()};
  std::uniform_int_distribution<milliseconds::rep> jitter{0, step / 2};
  return milliseconds{step - step / 2 + jitter(random)};
}

// Opens the connection again with the same parameters, and the settings a
// fresh connection lacks.
void reconnect(soci::session& sql) {
  sql.reconnect();
  dialect::apply_session_settings(sql);
}

} // namespace

bool is_transient(soci::session& sql, const std::exception& e) {
  const auto kind = dialect::classify(sql, e);
  return kind == dialect::failure::transient
         || kind == dialect::failure::connection_lost;
}

void with_retry(soci::session& sql, const retry_policy& policy,
                const std::function<void()>& work) {
  for (int attempt = 1;; ++attempt) {
    try {
      // After a failed reconnect the session has no backend at all.
      if (sql.get_backend() == nullptr
          || (attempt > 1 && !sql.is_connected()))
        reconnect(sql);
      work();
      return;
    } catch (const std::exception& e) {
      if (attempt >= policy.max_attempts || !is_transient(sql, e)
          || (!policy.reconnect
              && dialect::classify(sql, e)
                   == dialect::failure::connection_lost))
        throw;
    }
    std::this_thread::sleep_for(backoff(policy, attempt));
  }
}

} // namespace memoryd::storage

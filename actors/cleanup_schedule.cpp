#include "actors/cleanup_schedule.hpp"

#include <algorithm>

namespace memoryd {

wall_time next_daily(wall_time now, int hour, int minute) {
  using namespace std::chrono;
  // system_clock counts UTC without leap seconds: a day is 24 h.
  const auto midnight = floor<days>(now);
  auto next = midnight + hours{hour} + minutes{minute};
  if (next <= now)
    next += days{1};
  return time_point_cast<wall_time::duration>(next);
}

bool needs_catch_up(std::optional<wall_time> last_success, wall_time now) {
  return last_success && now - *last_success > std::chrono::hours{24};
}

std::chrono::nanoseconds sleep_before(wall_time now, wall_time next,
                                      std::chrono::nanoseconds longest) {
  const auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(next - now);
  return std::clamp(left, std::chrono::nanoseconds{0}, longest);
}

std::chrono::nanoseconds rest_after_batch(std::chrono::milliseconds pause,
                                          std::size_t percent,
                                          std::chrono::nanoseconds took) {
  const auto spent = std::max(took, std::chrono::nanoseconds{0});
  return pause + spent * static_cast<int64_t>(percent) / 100;
}

} // namespace memoryd

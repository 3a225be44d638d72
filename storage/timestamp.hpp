#pragma once

// RFC 3339 UTC timestamps with microseconds, the one textual form memoryd
// stores (SQLite), binds (both backends) and returns.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace memoryd::storage {

using clock_type = std::chrono::system_clock;

/// "2026-11-24T02:00:00.123456Z"
std::string format_timestamp(clock_type::time_point t);

/// Accepts "YYYY-MM-DD[T ]HH:MM:SS[.f{1,9}](Z|+00|+00:00)".
std::optional<clock_type::time_point> parse_timestamp(std::string_view s);

/// format_timestamp(clock_type::now()).
std::string now_timestamp();

} // namespace memoryd::storage

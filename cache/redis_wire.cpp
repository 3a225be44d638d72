#include "cache/redis_wire.hpp"

#include <charconv>
#include <cstdint>

namespace memoryd::cache {

std::optional<entry> decode_stored(std::string_view stored) {
  auto colon = stored.find(':');
  if (colon == std::string_view::npos)
    return std::nullopt;
  int64_t revision = 0;
  auto digits_end = stored.data() + colon;
  auto [end, ec] = std::from_chars(stored.data(), digits_end, revision);
  if (ec != std::errc{} || end != digits_end || revision == tombstone_revision
      || colon + 1 == stored.size())  // a fence: see cache_entry.hpp
    return std::nullopt;
  return entry{revision, std::string{stored.substr(colon + 1)}};
}

std::string run_id_of(std::string_view info) {
  constexpr std::string_view field = "run_id:";
  auto at = info.find(field);
  if (at == std::string_view::npos)
    return {};
  auto value = info.substr(at + field.size());
  return std::string{value.substr(0, value.find_first_of("\r\n"))};
}

} // namespace memoryd::cache

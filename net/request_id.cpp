#include "net/request_id.hpp"

#include <algorithm>

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

namespace memoryd::net {

bool is_valid_request_id(std::string_view id) {
  return !id.empty() && id.size() <= max_request_id_size
         && std::all_of(id.begin(), id.end(),
                        [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string new_request_id() {
  // Ids need to be unique, not secret: a Mersenne Twister seeded once per
  // thread from the system's entropy, rather than a getrandom() call per
  // request. Not thread-safe; one per io thread avoids a lock.
  thread_local boost::uuids::random_generator_mt19937 generate;
  return boost::uuids::to_string(generate());
}

std::string choose_request_id(std::string_view client_id) {
  if (is_valid_request_id(client_id))
    return std::string{client_id};
  return new_request_id();
}

} // namespace memoryd::net

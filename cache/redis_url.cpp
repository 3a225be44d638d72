// parse_redis_url (declared in redis_client.hpp). Messages name the part
// that is wrong but never echo the user info, which holds the password.

#include "cache/redis_client.hpp"

#include <charconv>
#include <limits>
#include <stdexcept>

namespace memoryd::cache {

namespace {

[[noreturn]] void reject(const std::string& what) {
  throw std::invalid_argument("REDIS_URL: " + what);
}

template <class Int>
bool parse_number(std::string_view text, Int min, Int max, Int& out) {
  Int value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(),
                                   value);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()
      || value < min || value > max)
    return false;
  out = value;
  return true;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view text, const char* what) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    int hi = i + 2 < text.size() ? hex_digit(text[i + 1]) : -1;
    int lo = hi >= 0 ? hex_digit(text[i + 2]) : -1;
    if (lo < 0)
      reject(std::string{"bad %-escape in the "} + what);
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

} // namespace

redis_options parse_redis_url(std::string_view url) {
  constexpr std::string_view scheme = "redis://";
  if (!url.starts_with(scheme)) {
    auto sep = url.find("://");
    reject(sep == std::string_view::npos
             ? std::string{"expected redis://host[:port][/db]"}
             : "unsupported scheme '" + std::string{url.substr(0, sep)}
                 + "' (only redis:// is supported)");
  }
  redis_options options;
  auto rest = url.substr(scheme.size());
  // The last '@' ends the user info, so a raw '@' or '/' in a password works.
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    auto userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      options.password = percent_decode(userinfo, "password");
    } else {
      options.username = percent_decode(userinfo.substr(0, colon), "user");
      options.password = percent_decode(userinfo.substr(colon + 1), "password");
    }
  }
  auto slash = rest.find('/');
  auto authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    auto db = rest.substr(slash + 1);
    if (!db.empty()
        && !parse_number(db, 0, std::numeric_limits<int>::max(), options.db))
      reject("bad database '" + std::string{db}
             + "': expected a number >= 0 after the '/'");
  }
  // "[v6addr]:port" or "host:port"; the port is after the bracket, if any.
  auto port_colon = authority.rfind(':');
  if (port_colon != std::string_view::npos
      && authority.find(']', port_colon) == std::string_view::npos) {
    auto port = authority.substr(port_colon + 1);
    if (!parse_number<uint16_t>(port, 1, 65535, options.port))
      reject("bad port '" + std::string{port}
             + "': expected a number in 1..65535");
    authority = authority.substr(0, port_colon);
  }
  if (authority.size() >= 2 && authority.front() == '['
      && authority.back() == ']')
    authority = authority.substr(1, authority.size() - 2);
  if (authority.empty())
    reject("no host");
  options.host = std::string{authority};
  return options;
}

} // namespace memoryd::cache

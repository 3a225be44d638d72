#include "actors/cursor.hpp"

#include <algorithm>
#include <vector>

#include <openssl/evp.h>

#include "actors/errors.hpp"
#include "storage/timestamp.hpp"
#include "storage/uuid.hpp"

namespace memoryd {

namespace {

constexpr char separator = '|';

[[noreturn]] void invalid() {
  throw request_error(error_type::validation,
                      "cursor is not valid: pass next_cursor as returned");
}

} // namespace

std::string encode_cursor(const cursor_position& pos) {
  auto plain = pos.created_at + separator + pos.id;
  std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
  auto n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(plain.data()),
                           static_cast<int>(plain.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=')
    out.pop_back();
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

cursor_position decode_cursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() > 256)
    invalid();
  std::string b64{cursor};
  for (auto& c : b64) {
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (!std::isalnum(static_cast<unsigned char>(c)))
      invalid();
  }
  auto padding = (4 - b64.size() % 4) % 4;
  if (padding == 3)
    invalid();
  b64.append(padding, '=');
  std::vector<unsigned char> plain(b64.size() / 4 * 3 + 1);
  auto n = EVP_DecodeBlock(plain.data(),
                           reinterpret_cast<const unsigned char*>(b64.data()),
                           static_cast<int>(b64.size()));
  if (n < 0)
    invalid();
  std::string text(reinterpret_cast<const char*>(plain.data()),
                   static_cast<size_t>(n) - padding);
  auto sep = text.find(separator);
  if (sep == std::string::npos)
    invalid();
  cursor_position pos{text.substr(0, sep), text.substr(sep + 1)};
  if (!storage::parse_timestamp(pos.created_at) || !storage::is_canonical_uuid(pos.id))
    invalid();
  return pos;
}

} // namespace memoryd

#include "codec/sha256.hpp"

#include <openssl/sha.h>

namespace memoryd::codec {

std::string sha256_hex(std::string_view data) {
  static constexpr char digits[] = "0123456789abcdef";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  std::string hex(2 * SHA256_DIGEST_LENGTH, '0');
  for (int i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    hex[2 * i] = digits[digest[i] >> 4];
    hex[2 * i + 1] = digits[digest[i] & 0xf];
  }
  return hex;
}

} // namespace memoryd::codec

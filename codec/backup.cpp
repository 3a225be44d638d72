#include "codec/backup.hpp"

#include "codec/base64.hpp"

namespace memoryd::codec {

std::string encode_backup(std::string_view document, int level) {
  return base64_encode(gzip_compress(document, level));
}

std::string decode_backup(std::string_view base64, std::size_t max_output) {
  return gunzip_bounded(base64_decode(base64), max_output);
}

} // namespace memoryd::codec

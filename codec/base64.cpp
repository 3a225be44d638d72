// base64_encode / base64_decode over OpenSSL's EVP_EncodeBlock and
// EVP_DecodeBlock. EVP_DecodeBlock is lenient (it skips surrounding
// whitespace, does not report padding and reads '=' anywhere as zero bits),
// so base64_decode validates the whole text before handing it over.

#include "codec/base64.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include <openssl/evp.h>

namespace memoryd::codec {

namespace {

// Both OpenSSL calls take an int length, so long inputs go in blocks; these
// are multiples of 3 bytes and 4 characters, so blocks join without padding.
constexpr std::size_t encode_block = 3 * 16 * 1024;
constexpr std::size_t decode_block = 4 * 16 * 1024;

unsigned char* bytes_of(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

const unsigned char* bytes_of(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

constexpr std::string_view alphabet =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Each byte's 6-bit value, -1 outside the alphabet. Only for validation:
// OpenSSL does the decoding. A lookup rather than range comparisons, whose
// branches mispredict on base64 of compressed (random-looking) data.
constexpr std::array<std::int8_t, 256> sextets = [] {
  std::array<std::int8_t, 256> table{};
  table.fill(-1);
  for (std::size_t i = 0; i < alphabet.size(); ++i)
    table[static_cast<unsigned char>(alphabet[i])] =
      static_cast<std::int8_t>(i);
  return table;
}();

int sextet(char c) {
  return sextets[static_cast<unsigned char>(c)];
}

[[noreturn]] void reject(const std::string& what) {
  throw codec_error("base64: " + what);
}

// Checks that `text` is canonical base64 and returns its number of '='.
std::size_t validate(std::string_view text) {
  if (text.size() % 4 != 0)
    reject("length " + std::to_string(text.size())
           + " is not a multiple of 4");
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=')
    padding = text[text.size() - 2] == '=' ? 2 : 1;
  const std::string_view data = text.substr(0, text.size() - padding);
  // Branch-free over the whole input; only bad input is searched for the
  // offending character.
  int any_invalid = 0;
  for (const char c : data)
    any_invalid |= sextet(c);
  if (any_invalid < 0) {
    const std::size_t i = static_cast<std::size_t>(
      std::find_if(data.begin(), data.end(),
                   [](char c) { return sextet(c) < 0; })
      - data.begin());
    if (data[i] == '=')
      reject("'=' before the end, at offset " + std::to_string(i));
    reject("invalid character (code "
           + std::to_string(static_cast<unsigned char>(data[i]))
           + ") at offset " + std::to_string(i));
  }
  // Padding leaves 4 bits (after "xx==") or 2 bits (after "xxx=") of the
  // last character unused; canonical encoders, ours included, zero them.
  if (padding > 0) {
    const int unused_mask = padding == 2 ? 0x0f : 0x03;
    if ((sextet(data.back()) & unused_mask) != 0)
      reject("non-zero bits before the padding");
  }
  return padding;
}

} // namespace

std::size_t base64_encoded_size(std::size_t n) {
  const std::size_t groups = n / 3 + (n % 3 != 0);
  if (groups > std::numeric_limits<std::size_t>::max() / 4)
    throw std::length_error("base64: input too large to encode");
  return groups * 4;
}

void base64_append(std::string& out, std::string_view bytes) {
  // EVP_EncodeBlock writes a NUL after each block: it lands on the next
  // block's first character, or after the last on the string's terminator.
  std::size_t written = out.size();
  out.resize(written + base64_encoded_size(bytes.size()));
  for (std::size_t at = 0; at < bytes.size(); at += encode_block) {
    const std::size_t n = std::min(encode_block, bytes.size() - at);
    written += static_cast<std::size_t>(EVP_EncodeBlock(
      bytes_of(out) + written, bytes_of(bytes) + at, static_cast<int>(n)));
  }
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  base64_append(out, bytes);
  return out;
}

std::string base64_decode(std::string_view text) {
  const std::size_t padding = validate(text);
  // EVP_DecodeBlock writes 3 bytes per 4 characters, padding included
  // (as zero bytes), which are cut off at the end.
  std::string out(text.size() / 4 * 3, '\0');
  std::size_t written = 0;
  for (std::size_t at = 0; at < text.size(); at += decode_block) {
    const std::size_t n = std::min(decode_block, text.size() - at);
    const int got = EVP_DecodeBlock(bytes_of(out) + written,
                                    bytes_of(text) + at, static_cast<int>(n));
    if (got < 0) // cannot happen after validate(); never trust a silent failure
      reject("OpenSSL rejected the input");
    written += static_cast<std::size_t>(got);
  }
  out.resize(written - padding);
  return out;
}

} // namespace memoryd::codec

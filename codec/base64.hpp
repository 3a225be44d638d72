#pragma once

// Base64 as the export format uses it: RFC 4648 section 4 (standard alphabet),
// padded, on one line. Encoding and decoding go through OpenSSL; decoding is
// strict and accepts exactly what base64_encode produces.

#include <cstddef>
#include <string>
#include <string_view>

#include "codec/error.hpp"

namespace memoryd::codec {

/// Length of the encoding of `n` bytes: 4 * ceil(n / 3). Throws
/// std::length_error if that does not fit in a size_t.
std::size_t base64_encoded_size(std::size_t n);

/// `bytes` (any binary) as padded base64 without line breaks.
std::string base64_encode(std::string_view bytes);

/// base64_encode(bytes) appended to `out`, without a temporary copy.
void base64_append(std::string& out, std::string_view bytes);

/// The bytes `text` encodes. Throws codec_error unless `text` is canonical
/// base64: a multiple of 4 long, only A-Z a-z 0-9 + /, no whitespace or line
/// breaks, '=' only as one or two final characters, and the bits the padding
/// leaves over all zero (RFC 4648 section 3.5). "" decodes to "".
std::string base64_decode(std::string_view text);

} // namespace memoryd::codec

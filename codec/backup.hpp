#pragma once

// The compressed form of an export document, as the contract puts it in
// `data`: the base64 of the gzip of the document.

#include <cstddef>
#include <string>
#include <string_view>

#include "codec/error.hpp"
#include "codec/gzip.hpp"

namespace memoryd::codec {

/// base64(gzip(document)). For documents rendered piece by piece, use a
/// gzip_writer and base64_encode its output instead.
std::string encode_backup(std::string_view document,
                          int level = default_gzip_level);

/// The document in `base64`, inflated to at most `max_output` bytes. Throws
/// codec_error for bad base64 or bad gzip, too_large past the limit (see
/// base64_decode and gunzip_bounded).
std::string decode_backup(std::string_view base64, std::size_t max_output);

} // namespace memoryd::codec

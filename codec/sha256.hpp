#pragma once

// SHA-256 (OpenSSL) as lower-case hex: code_sha256 of a version, and the
// fingerprint of a request repeated under an Idempotency-Key.

#include <string>
#include <string_view>

namespace memoryd::codec {

/// The 64 hex digits of SHA-256(`data`).
std::string sha256_hex(std::string_view data);

} // namespace memoryd::codec

#pragma once

// What the codecs throw on bad input. Both are meant for the client: the
// messages say what is wrong without echoing the input.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace memoryd::codec {

/// Malformed input: bad base64, not gzip, truncated, corrupt, trailing data.
/// Maps to 400 validation.
class codec_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The decoded output would pass the caller's limit. Maps to 413
/// payload_too_large; catch it before codec_error (g++ warns if you don't).
class too_large : public codec_error {
public:
  explicit too_large(std::size_t limit)
    : codec_error("gzip: the inflated data passes the limit of "
                  + std::to_string(limit) + " bytes"),
      limit_(limit) {}

  std::size_t limit() const noexcept { return limit_; }

private:
  std::size_t limit_;
};

} // namespace memoryd::codec

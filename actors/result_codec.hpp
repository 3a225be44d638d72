#pragma once

// A committed write's result as the text its idempotency key keeps, to
// answer a repeat of the write with: CAF's binary serialization of the
// result (the same inspect() that carries it in messages), in base64.

#include <stdexcept>
#include <string>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "codec/base64.hpp"

namespace memoryd {

template <class T>
std::string encode_result(const T& value) {
  std::vector<char> bytes;
  caf::binary_serializer sink{nullptr, bytes};
  // inspect() wants a mutable reference; serializing does not modify.
  if (auto err = sink(const_cast<T&>(value)))
    throw std::runtime_error("cannot encode a write's result: "
                             + caf::to_string(err));
  return codec::base64_encode({bytes.data(), bytes.size()});
}

/// Throws std::runtime_error for text that encode_result<T> did not make
/// (a key written by a memoryd whose result types differed).
template <class T>
T decode_result(const std::string& text) {
  auto bytes = codec::base64_decode(text);
  T value;
  caf::binary_deserializer source{nullptr, bytes.data(), bytes.size()};
  if (auto err = source(value))
    throw std::runtime_error("cannot decode a write's recorded result: "
                             + caf::to_string(err));
  return value;
}

} // namespace memoryd

#pragma once

// A committed write's result as the text its idempotency key keeps, to
// answer a repeat of the write with: the fingerprint of the result type's
// layout, ':', then CAF's binary serialization of the result (the same
// inspect() that carries it in messages) in base64.

#include <stdexcept>
#include <string>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "actors/result_layout.hpp"
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
  return result_layout<T>() + ':'
         + codec::base64_encode({bytes.data(), bytes.size()});
}

/// A stored result of another layout: written by a memoryd whose result
/// types differed (before an upgrade), so it cannot be read back.
struct result_layout_mismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Throws result_layout_mismatch for a result of another layout, and
/// std::runtime_error for text that encode_result<T> did not make.
template <class T>
T decode_result(const std::string& text) {
  const auto& layout = result_layout<T>();
  if (text.size() <= layout.size() || text.compare(0, layout.size(), layout) != 0
      || text[layout.size()] != ':')
    throw result_layout_mismatch("the write's result was recorded by a "
                                 "memoryd of another version");
  auto bytes = codec::base64_decode(std::string_view{text}.substr(layout.size() + 1));
  T value;
  caf::binary_deserializer source{nullptr, bytes.data(), bytes.size()};
  if (auto err = source(value))
    throw std::runtime_error("cannot decode a write's recorded result: "
                             + caf::to_string(err));
  return value;
}

} // namespace memoryd

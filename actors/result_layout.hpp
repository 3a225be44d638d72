#pragma once

// The layout of a result type, as a short fingerprint: the field types
// that inspect() lists, recursively (into the element type of vectors,
// which an empty value would not show). A write's key keeps its result in
// CAF's binary form, which has no field names or tags: read with another
// layout (a key written before an upgrade that added a field) it would
// fail, or worse, decode into wrong values. The fingerprint travels with
// the stored result so that a mismatch is recognised instead.

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <caf/meta/annotation.hpp>
#include <caf/meta/type_name.hpp>

namespace memoryd {

/// An inspector that writes down field types instead of values.
class layout_inspector {
public:
  using result_type = void;
  static constexpr bool reads_state = true;
  static constexpr bool writes_state = false;

  template <class... Ts>
  void operator()(Ts&&... xs) {
    text += '(';
    (describe(xs), ...);
    text += ')';
  }

  std::string text;

private:
  void describe(const caf::meta::type_name_t& name) {
    text += name.value;
  }

  template <class T>
  void describe(T& x) {
    using value_type = std::remove_cv_t<T>;
    if constexpr (caf::meta::is_annotation<value_type>::value) {
      // other annotations carry no data
    } else if constexpr (std::is_same_v<value_type, bool>) {
      text += 'b';
    } else if constexpr (std::is_arithmetic_v<value_type>) {
      text += std::is_floating_point_v<value_type> ? 'f'
              : std::is_signed_v<value_type>       ? 'i'
                                                   : 'u';
      text += std::to_string(sizeof(value_type));
    } else if constexpr (std::is_same_v<value_type, std::string>) {
      text += 's';
    } else if constexpr (is_vector<value_type>::value) {
      text += 'v';
      typename value_type::value_type element{};
      describe(element);
    } else {
      inspect(*this, x);
    }
  }

  template <class T>
  struct is_vector : std::false_type {};

  template <class T, class A>
  struct is_vector<std::vector<T, A>> : std::true_type {};
};

/// FNV-1a of T's layout as 16 hex digits; the same in every build whose
/// inspect() functions list the same field types.
template <class T>
const std::string& result_layout() {
  static const std::string fingerprint = [] {
    layout_inspector f;
    T sample{};
    f.text.clear();
    if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      f.text = "vs";
    } else {
      inspect(f, sample);
    }
    uint64_t hash = 14695981039346656037ull;
    for (unsigned char c : f.text) {
      hash ^= c;
      hash *= 1099511628211ull;
    }
    static const char* digits = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, hash >>= 4)
      out[static_cast<std::size_t>(i)] = digits[hash & 15];
    return out;
  }();
  return fingerprint;
}

} // namespace memoryd

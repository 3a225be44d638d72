#include "fuzz_support.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "actors/json_body.hpp"

namespace memoryd::fuzz {

void require(bool ok, std::string_view what) {
  if (ok)
    return;
  std::fprintf(stderr, "fuzz: broken invariant: %.*s\n",
               static_cast<int>(what.size()), what.data());
  std::abort();
}

void require_faithful(const boost::json::value& original,
                      std::string_view text) {
  boost::json::value back;
  try {
    back = parse_trusted_json(text);
  } catch (const std::exception& e) {
    std::string what = "stored JSON does not read back (";
    what += e.what();
    what += "): ";
    what += text.substr(0, 200);
    require(false, what);
  }
  require(back == original, "stored JSON reads back as another value: "
                              + std::string{text.substr(0, 200)});
  require(to_json_text(back) == text,
          "stored JSON does not serialize the same twice: "
            + std::string{text.substr(0, 200)});
}

} // namespace memoryd::fuzz

namespace memoryd::fuzz {

void require_storable(std::string_view text) {
  require(text.find('\0') == std::string_view::npos,
          "stored JSON holds a NUL byte");
  // Valid JSON: a backslash only starts an escape, of two or more chars.
  for (auto i = text.find('\\'); i != std::string_view::npos;
       i = text.find('\\', i + 2))
    require(text.substr(i + 1, 5) != "u0000",
            "stored JSON holds \\u0000, which PostgreSQL refuses: "
              + std::string{text.substr(0, 200)});
}

} // namespace memoryd::fuzz

#pragma once

// The stats document of tests/console/admin-stats.json, as text.

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace memoryctl::test {

inline std::string fixture_text() {
  std::ifstream in{CONSOLE_FIXTURE};
  if (!in)
    throw std::runtime_error("cannot read " CONSOLE_FIXTURE);
  return {std::istreambuf_iterator<char>{in}, {}};
}

} // namespace memoryctl::test

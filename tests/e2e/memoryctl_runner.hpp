#pragma once

// The memoryctl binary as an operator runs it from a shell: its exit code,
// stdout and stderr.

#include <filesystem>
#include <string>
#include <vector>

namespace memoryd::test {

struct run_result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs memoryctl with `args` and this process's environment, stdin from
/// /dev/null, stdout and stderr captured.
run_result run_memoryctl(std::vector<std::string> args);

/// The whole content of a file ("" when it cannot be read).
std::string read_text(const std::filesystem::path& path);

} // namespace memoryd::test

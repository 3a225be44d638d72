#include "telemetry/process_stats.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

namespace memoryd::telemetry {

namespace {

/// /proc/self/stat's fields after the command name (which may hold spaces
/// and parentheses, so the split starts at the last ')').
void read_stat(process_stats& out) {
  std::ifstream in{"/proc/self/stat"};
  std::string line{std::istreambuf_iterator<char>{in}, {}};
  auto close = line.rfind(')');
  if (close == std::string::npos)
    return;
  std::istringstream fields{line.substr(close + 2)};
  std::string field;
  // Fields from 3 (state): utime is 14, stime 15, num_threads 20,
  // vsize 23, rss 24 (in pages).
  for (int index = 3; fields >> field; ++index) {
    switch (index) {
      case 14:
      case 15:
        out.cpu_seconds += std::stod(field)
                           / static_cast<double>(sysconf(_SC_CLK_TCK));
        break;
      case 20:
        out.threads = std::stoll(field);
        break;
      case 23:
        out.virtual_bytes = std::stoll(field);
        break;
      case 24:
        out.resident_bytes = std::stoll(field) * sysconf(_SC_PAGESIZE);
        return;
      default:
        break;
    }
  }
}

} // namespace

process_stats read_process_stats() {
  process_stats out;
  try {
    read_stat(out);
  } catch (const std::exception&) {
    // A field that does not parse leaves the rest at zero.
  }
  std::error_code ec;
  for (std::filesystem::directory_iterator it{"/proc/self/fd", ec}, end;
       !ec && it != end; it.increment(ec))
    ++out.open_fds;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0)
    out.max_fds = static_cast<int64_t>(limit.rlim_cur);
  return out;
}

} // namespace memoryd::telemetry

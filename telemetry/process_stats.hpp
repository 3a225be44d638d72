#pragma once

// The process's own figures, read from /proc/self when asked.

#include <cstdint>

namespace memoryd::telemetry {

struct process_stats {
  double cpu_seconds = 0;       // user + system
  int64_t resident_bytes = 0;
  int64_t virtual_bytes = 0;
  int64_t open_fds = 0;
  int64_t max_fds = 0;
  int64_t threads = 0;
};

process_stats read_process_stats();

} // namespace memoryd::telemetry

#pragma once

// memoryctl top: the live console over GET /admin/stats (a frame every
// interval, keys to sort, filter, pause, drill in), or one frame (--once),
// or the raw document (--json).

#include <functional>
#include <string>

#include "apps/memoryctl/console_model.hpp"
#include "net/http_client.hpp"

namespace memoryctl {

struct top_options {
  std::string url;               // shown in the header
  bool once = false;             // one plain-text frame to stdout
  bool json = false;             // the raw document to stdout
  double interval_seconds = 2;   // between frames
};

/// Makes a client for the daemon, token set; called again after a failure.
using client_factory = std::function<memoryd::net::http_client()>;

/// Runs the console; returns the exit code. --once and --json let
/// connection errors escape (the caller names them, exit 3) and return 1
/// when the daemon refuses (its error on stderr). The live console shows
/// errors in a banner and keeps asking.
int top(const top_options& opt, const client_factory& connect);

} // namespace memoryctl

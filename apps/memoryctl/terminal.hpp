#pragma once

// The terminal memoryctl top draws on: raw keyboard input (no echo, no line
// buffering; Ctrl-C still interrupts), the alternate screen without a
// cursor, its size, and keys decoded from the bytes they send. Everything
// is restored when the terminal object goes, also after SIGINT or SIGTERM
// (the caller polls interrupted()).

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>

#include <termios.h>

#include "apps/memoryctl/console_model.hpp"

namespace memoryctl {

class terminal {
public:
  /// Takes over stdin and stdout; throws std::runtime_error when either is
  /// not a terminal.
  terminal();
  ~terminal();
  terminal(const terminal&) = delete;
  terminal& operator=(const terminal&) = delete;

  /// Columns and rows (80x24 when the terminal does not say).
  std::size_t width() const;
  std::size_t height() const;

  /// Writes `text` to stdout as it is.
  void write(std::string_view text);

  /// Waits up to `timeout` for a key; nullopt when none came, a signal
  /// arrived or the terminal changed its size.
  std::optional<key> read_key(std::chrono::milliseconds timeout);

  /// SIGINT, SIGTERM or SIGHUP arrived.
  static bool interrupted();

  /// The window changed its size since the last call.
  static bool resized();

private:
  termios saved_{};
};

} // namespace memoryctl

#include "apps/memoryctl/terminal.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <stdexcept>

namespace memoryctl {

namespace {

volatile std::sig_atomic_t got_interrupt = 0;
volatile std::sig_atomic_t got_resize = 0;

extern "C" void on_interrupt(int) {
  got_interrupt = 1;
}

extern "C" void on_resize(int) {
  got_resize = 1;
}

void install(int signal, void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: poll() returns at once
  sigaction(signal, &sa, nullptr);
}

/// One byte from stdin within `timeout_ms`; -1 when none.
int read_byte(int timeout_ms) {
  pollfd p{STDIN_FILENO, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0)
    return -1;
  unsigned char c = 0;
  if (::read(STDIN_FILENO, &c, 1) != 1)
    return -1;
  return c;
}

struct winsize_t {
  std::size_t cols = 80;
  std::size_t rows = 24;
};

winsize_t window() {
  winsize w{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &w) == 0 && w.ws_col > 0
      && w.ws_row > 0)
    return {w.ws_col, w.ws_row};
  return {};
}

} // namespace

terminal::terminal() {
  if (::isatty(STDIN_FILENO) == 0 || ::isatty(STDOUT_FILENO) == 0)
    throw std::runtime_error("the live console needs a terminal (use --once "
                             "or --json in scripts)");
  if (::tcgetattr(STDIN_FILENO, &saved_) != 0)
    throw std::runtime_error("cannot read the terminal's settings");
  auto raw = saved_;
  raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | IEXTEN);
  raw.c_iflag &= ~static_cast<tcflag_t>(IXON | ICRNL);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
  install(SIGINT, on_interrupt);
  install(SIGTERM, on_interrupt);
  install(SIGHUP, on_interrupt);
  install(SIGWINCH, on_resize);
  // The alternate screen, cleared, without a cursor.
  write("\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l");
}

terminal::~terminal() {
  write("\x1b[0m\x1b[?25h\x1b[?1049l");
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  std::signal(SIGWINCH, SIG_DFL);
}

std::size_t terminal::width() const {
  return window().cols;
}

std::size_t terminal::height() const {
  return window().rows;
}

void terminal::write(std::string_view text) {
  while (!text.empty()) {
    auto n = ::write(STDOUT_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::optional<key> terminal::read_key(std::chrono::milliseconds timeout) {
  auto ms = static_cast<int>(std::max<long long>(0, timeout.count()));
  int c = read_byte(ms);
  if (c < 0)
    return std::nullopt;
  switch (c) {
    case '\r':
    case '\n':
      return key{key::enter};
    case 127:
    case 8:
      return key{key::backspace};
    case 3:  // Ctrl-C, should ISIG be off
      got_interrupt = 1;
      return std::nullopt;
    case 27:
      break;
    default:
      return key{key::character, static_cast<char>(c)};
  }
  // Esc alone, or the start of an arrow key: ESC [ A (or ESC O A).
  int next = read_byte(30);
  if (next != '[' && next != 'O')
    return key{key::escape};
  int code = read_byte(30);
  // A number before the final byte: ESC [ 5 ~ (PgUp), ESC [ 1 ; 5 A.
  int number = 0;
  bool modified = false;  // ESC [ 1 ; 5 A: Ctrl-Up is Up here
  while ((code >= '0' && code <= '9') || code == ';') {
    if (code == ';')
      modified = true;
    else if (!modified)
      number = number * 10 + (code - '0');
    code = read_byte(30);
  }
  switch (code) {
    case 'A':
      return key{key::up};
    case 'B':
      return key{key::down};
    case 'C':
      return key{key::right};
    case 'D':
      return key{key::left};
    case 'H':
      return key{key::home};
    case 'F':
      return key{key::end};
    case '~':
      switch (number) {
        case 1:
        case 7:
          return key{key::home};
        case 4:
        case 8:
          return key{key::end};
        case 5:
          return key{key::page_up};
        case 6:
          return key{key::page_down};
        default:
          return std::nullopt;
      }
    default:
      return key{key::escape};
  }
}

bool terminal::interrupted() {
  return got_interrupt != 0;
}

bool terminal::resized() {
  bool r = got_resize != 0;
  got_resize = 0;
  return r;
}

} // namespace memoryctl

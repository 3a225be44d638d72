#pragma once

// memoryctl top's frames: what the console shows, as lines of text with a
// look each (render_frame), and those lines as terminal output, with ANSI
// escapes or as plain text (to_terminal, to_plain_text). Pure functions:
// the tests render fixtures and compare text.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "apps/memoryctl/stats_view.hpp"

namespace memoryctl {

/// How a line looks on a terminal; plain text ignores it.
enum class look {
  normal,
  title,     // bold
  heading,   // the table's column headings: reverse video
  selected,  // the row the cursor is on
  busy,      // yellow
  stalled,   // white on red
  stalled_selected,
  banner,    // the daemon does not answer: white on red
  dim,
};

struct screen_line {
  std::string text;
  enum look look = look::normal;
};

/// Everything the console shows besides the daemon's figures.
struct view_state {
  std::string url;
  std::string clock;            // HH:MM:SS of the figures shown
  double interval_seconds = 1;
  bool paused = false;
  sort_order order;
  std::string filter;
  std::optional<std::string> typing_filter;  // "/" pressed, Enter not yet
  std::string selected;         // the cursor's actor, by name
  bool help = false;
  std::optional<std::string> drill;  // the actor drilled into, by name
  std::string banner;           // why the daemon is not answering ("": it is)
  std::optional<double> console_cpu_percent;  // over the last interval
  std::optional<double> console_cpu_ms;       // --once: over its run
  bool once = false;            // --once: no cursor, no key line
  std::size_t height = 0;       // the terminal's rows (0: no limit); the
                                // table scrolls to keep the cursor in view
};

/// One frame. `stats` is null before the first answer.
std::vector<screen_line> render_frame(const stats_snapshot* stats,
                                      const mailbox_history& history,
                                      const view_state& view);

/// The frame as text for a pipe or a file: one line each, no escapes, no
/// trailing spaces.
std::string to_plain_text(const std::vector<screen_line>& lines);

/// The frame for a terminal of `width` x `height`: from the top left
/// corner, each line cut to the width (in characters) and coloured as its
/// look says, the rest of the screen cleared. Lines beyond the height are
/// dropped but for the last one (the key line).
std::string to_terminal(const std::vector<screen_line>& lines,
                        std::size_t width, std::size_t height);

/// The help screen's lines (also part of render_frame when view.help).
std::vector<screen_line> help_lines();

/// The number of characters (UTF-8 code points) in `s`.
std::size_t display_width(const std::string& s);

/// `s` cut to `width` characters (the last one "…" when cut), or padded
/// with spaces to it when `pad`.
std::string fit(const std::string& s, std::size_t width, bool pad = false);

} // namespace memoryctl

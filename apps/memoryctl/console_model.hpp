#pragma once

// What memoryctl top knows between frames and what each key does to it:
// the last figures, the mailbox history, and the view (sort, filter,
// cursor, details, help, pause, interval, banner). No terminal and no
// network here: top.cpp feeds it answers and keys, and draws its frame.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "apps/memoryctl/screen.hpp"
#include "apps/memoryctl/stats_view.hpp"

namespace memoryctl {

/// A key press: a character, or one of the named keys.
struct key {
  enum code_t {
    character,
    enter,
    escape,
    backspace,
    up,
    down,
    left,
    right,
    page_up,
    page_down,
    home,
    end,
  };
  code_t code = character;
  char ch = 0;  // the character, for code == character
};

/// The shortest and longest refresh intervals, in seconds.
inline constexpr double min_interval_seconds = 0.5;
inline constexpr double max_interval_seconds = 60;

class console_model {
public:
  /// What the loop does after a key.
  enum class action { redraw, fetch_now, quit };

  console_model(std::string url, double interval_seconds);

  /// The daemon answered at `clock` (HH:MM:SS).
  void answered(stats_snapshot stats, const std::string& clock);

  /// The daemon did not answer at `clock`, for `why`.
  void failed(const std::string& why, const std::string& clock);

  /// The terminal's rows: the table shows what fits, PgUp/PgDn move by it.
  void set_height(std::size_t rows) { view_.height = rows; }

  /// The console's own CPU use over the last interval.
  void set_cpu_percent(double percent) { view_.console_cpu_percent = percent; }

  action handle(const key& k);

  /// The frame to draw now.
  std::vector<screen_line> frame();

  const view_state& view() const { return view_; }
  bool has_stats() const { return stats_.has_value(); }

private:
  std::vector<const actor_stats*> rows() const;
  void fix_selection();
  void move_selection(int delta);
  void change_interval(int step);
  void sort_by(column c);
  void move_sort(int step);
  void drill_in();
  int page() const;

  std::optional<stats_snapshot> stats_;
  mailbox_history history_;
  view_state view_;
  std::string down_since_;
};

} // namespace memoryctl

#include "apps/memoryctl/console_model.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <utility>

namespace memoryctl {

namespace {

/// The refresh intervals + and - step through, in seconds.
constexpr std::array<double, 8> intervals{0.5, 1, 2, 3, 5, 10, 30, 60};

} // namespace

console_model::console_model(std::string url, double interval_seconds) {
  view_.url = std::move(url);
  view_.interval_seconds = std::clamp(interval_seconds, min_interval_seconds,
                                      max_interval_seconds);
}

void console_model::answered(stats_snapshot stats, const std::string& clock) {
  stats_ = std::move(stats);
  history_.record(*stats_);
  view_.clock = clock;
  view_.banner.clear();
  down_since_.clear();
}

void console_model::failed(const std::string& why, const std::string& clock) {
  if (down_since_.empty())
    down_since_ = clock;
  view_.banner = "daemon not answering since " + down_since_ + ": " + why;
  if (stats_)
    view_.banner += " (figures of " + view_.clock + ")";
}

std::vector<const actor_stats*> console_model::rows() const {
  if (!stats_)
    return {};
  return visible_actors(*stats_, view_.filter, view_.order);
}

void console_model::fix_selection() {
  auto r = rows();
  if (r.empty())
    return;
  for (const auto* a : r)
    if (a->name == view_.selected)
      return;
  view_.selected = r.front()->name;
}

void console_model::move_selection(int delta) {
  auto r = rows();
  if (r.empty())
    return;
  std::size_t i = 0;
  while (i < r.size() && r[i]->name != view_.selected)
    ++i;
  if (i == r.size())
    i = 0;
  auto j = std::clamp<long>(static_cast<long>(i) + delta, 0,
                            static_cast<long>(r.size()) - 1);
  view_.selected = r[static_cast<std::size_t>(j)]->name;
}

void console_model::change_interval(int step) {
  // The next step up or down from wherever --interval put it.
  const auto v = view_.interval_seconds;
  if (step > 0) {
    auto it = std::upper_bound(intervals.begin(), intervals.end(), v + 1e-9);
    view_.interval_seconds = it == intervals.end() ? intervals.back() : *it;
  } else {
    auto it = std::lower_bound(intervals.begin(), intervals.end(), v - 1e-9);
    view_.interval_seconds = it == intervals.begin() ? intervals.front()
                                                     : *std::prev(it);
  }
}

void console_model::sort_by(column c) {
  if (view_.order.by == c)
    view_.order.reversed = !view_.order.reversed;
  else
    view_.order = {c, false};
}

void console_model::move_sort(int step) {
  const auto n = static_cast<long>(column_count);
  auto i = (static_cast<long>(view_.order.by) + step + n) % n;
  view_.order = {static_cast<column>(i), false};
}

int console_model::page() const {
  // About the table's rows: the screen less the header and the key line.
  return view_.height > 12 ? static_cast<int>(view_.height) - 10 : 10;
}

void console_model::drill_in() {
  fix_selection();
  if (!rows().empty())
    view_.drill = view_.selected;
}

std::vector<screen_line> console_model::frame() {
  fix_selection();
  return render_frame(stats_ ? &*stats_ : nullptr, history_, view_);
}

console_model::action console_model::handle(const key& k) {
  // Typing a filter: every key edits it until Enter or Esc.
  if (view_.typing_filter) {
    auto& text = *view_.typing_filter;
    if (k.code == key::enter) {
      view_.filter = text;
      view_.typing_filter.reset();
    } else if (k.code == key::escape) {
      view_.typing_filter.reset();
    } else if (k.code == key::backspace) {
      if (!text.empty())
        text.pop_back();
    } else if (k.code == key::character
               && static_cast<unsigned char>(k.ch) >= 0x20) {
      text += k.ch;
    }
    return action::redraw;
  }
  if (k.code == key::character && k.ch == 'q')
    return action::quit;
  if (view_.help) {
    view_.help = false;
    return action::redraw;
  }
  // Keys of the table and the details alike.
  if (k.code == key::character) {
    switch (k.ch) {
      case 'h':
      case '?':
        view_.help = true;
        return action::redraw;
      case 'p':
      case ' ':
        view_.paused = !view_.paused;
        return view_.paused ? action::redraw : action::fetch_now;
      case '+':
        change_interval(+1);
        return action::redraw;
      case '-':
        change_interval(-1);
        return action::redraw;
      default:
        break;
    }
  }
  if (view_.drill) {
    if (k.code == key::escape || k.code == key::backspace
        || k.code == key::left || (k.code == key::character && k.ch == 'b'))
      view_.drill.reset();
    return action::redraw;
  }
  switch (k.code) {
    case key::up:
      move_selection(-1);
      return action::redraw;
    case key::down:
      move_selection(+1);
      return action::redraw;
    case key::page_up:
      move_selection(-page());
      return action::redraw;
    case key::page_down:
      move_selection(+page());
      return action::redraw;
    case key::home:
      move_selection(-1'000'000);
      return action::redraw;
    case key::end:
      move_selection(+1'000'000);
      return action::redraw;
    case key::left:
      move_sort(-1);
      return action::redraw;
    case key::right:
      move_sort(+1);
      return action::redraw;
    case key::enter:
      drill_in();
      return action::redraw;
    case key::escape:
      view_.filter.clear();
      return action::redraw;
    case key::backspace:
      return action::redraw;
    case key::character:
      break;
  }
  if (k.ch >= '1' && k.ch <= '9') {
    sort_by(static_cast<column>(k.ch - '1'));
    return action::redraw;
  }
  switch (k.ch) {
    case '<':
      move_sort(-1);
      break;
    case '>':
      move_sort(+1);
      break;
    case 'r':
      view_.order.reversed = !view_.order.reversed;
      break;
    case '/':
      view_.typing_filter = view_.filter;
      break;
    case 'k':
      move_selection(-1);
      break;
    case 'j':
      move_selection(+1);
      break;
    case 'g':
      move_selection(-1'000'000);
      break;
    case 'G':
      move_selection(+1'000'000);
      break;
    case 'd':
      drill_in();
      break;
    default:
      break;
  }
  return action::redraw;
}

} // namespace memoryctl

#include "apps/memoryctl/top.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <boost/system/system_error.hpp>

#include "apps/memoryctl/screen.hpp"
#include "apps/memoryctl/stats_view.hpp"
#include "apps/memoryctl/terminal.hpp"

namespace memoryctl {

namespace {

using memoryd::net::http_client;
using memoryd::net::http_result;
using steady = std::chrono::steady_clock;

constexpr std::string_view stats_target = "/admin/stats";

/// The refresh intervals + and - step through, in seconds.
constexpr std::array<double, 8> intervals{0.5, 1, 2, 3, 5, 10, 30, 60};

/// Wall-clock time of day, UTC, HH:MM:SS.
std::string clock_text() {
  auto t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 16> buf{};
  std::strftime(buf.data(), buf.size(), "%H:%M:%S", &tm);
  return buf.data();
}

/// This process's CPU time (user + system), in seconds.
double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto s = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

/// A refusal in one line: the error envelope's type and message when the
/// body is one, else the start of the body.
std::string refusal(const http_result& r) {
  std::string out = "the daemon answered " + std::to_string(r.status);
  boost::json::error_code ec;
  auto body = boost::json::parse(r.body, ec);
  const auto* obj = !ec ? body.if_object() : nullptr;
  const auto* error = obj != nullptr ? obj->if_contains("error") : nullptr;
  if (error != nullptr && error->is_object()) {
    const auto& e = error->get_object();
    for (auto key : {"type", "message"})
      if (const auto* v = e.if_contains(key); v != nullptr && v->is_string())
        out += std::string{": "} + v->get_string().c_str();
  } else {
    out += ": " + r.body.substr(0, 120);
  }
  if (r.status == 401 || r.status == 403)
    out += " (/admin/stats needs an admin token: --token-file, --token or "
           "MEMORYD_TOKEN)";
  return out;
}

/// What went wrong talking to the daemon, in a few words.
std::string failure_text(const std::exception& e) {
  if (const auto* sys = dynamic_cast<const boost::system::system_error*>(&e))
    return sys->code().message();
  return e.what();
}

int once(const top_options& opt, const client_factory& connect) {
  auto client = connect();
  const auto start_cpu = cpu_seconds();
  auto r = client.get(stats_target);
  if (r.status != 200) {
    std::cerr << "memoryctl: " << refusal(r) << "\n";
    return 1;
  }
  if (opt.json) {
    std::cout << r.body;
    if (r.body.empty() || r.body.back() != '\n')
      std::cout << "\n";
    return std::cout.flush() ? 0 : 1;
  }
  stats_snapshot stats;
  try {
    stats = parse_stats(r.body);
  } catch (const std::runtime_error& e) {
    std::cerr << "memoryctl: " << e.what() << "\n";
    return 1;
  }
  mailbox_history history;
  history.record(stats);
  view_state view;
  view.url = opt.url;
  view.clock = clock_text();
  view.once = true;
  view.console_cpu_ms = 1000 * (cpu_seconds() - start_cpu);
  std::cout << to_plain_text(render_frame(&stats, history, view));
  return std::cout.flush() ? 0 : 1;
}

/// The live console's state between frames.
class console {
public:
  console(const top_options& opt, const client_factory& connect)
    : connect_(connect) {
    view_.url = opt.url;
    view_.interval_seconds = std::clamp(opt.interval_seconds,
                                        min_interval_seconds,
                                        max_interval_seconds);
  }

  int run() {
    terminal term;
    auto next_fetch = steady::now();
    bool dirty = true;
    while (!quit_ && !terminal::interrupted()) {
      auto now = steady::now();
      if (!view_.paused && now >= next_fetch) {
        fetch();
        last_fetch_ = steady::now();
        next_fetch = last_fetch_ + interval();
        dirty = true;
      }
      if (terminal::resized())
        dirty = true;
      if (dirty) {
        draw(term);
        dirty = false;
      }
      auto wait = view_.paused ? std::chrono::milliseconds{1000}
                               : std::chrono::duration_cast<
                                   std::chrono::milliseconds>(next_fetch
                                                              - steady::now());
      auto k = term.read_key(std::max(wait, std::chrono::milliseconds{0}));
      if (!k)
        continue;
      handle(*k);
      if (fetch_now_) {
        fetch_now_ = false;
        next_fetch = steady::now();
      } else if (!view_.paused) {
        next_fetch = last_fetch_ + interval();
      }
      dirty = true;
    }
    return 0;
  }

private:
  steady::duration interval() const {
    return std::chrono::duration_cast<steady::duration>(
      std::chrono::duration<double>{view_.interval_seconds});
  }

  void fetch() {
    const auto cpu = cpu_seconds();
    const auto wall = steady::now();
    try {
      if (!client_)
        client_.emplace(connect_());
      auto r = client_->get(stats_target);
      if (r.status != 200)
        throw std::runtime_error(refusal(r));
      stats_ = parse_stats(r.body);
      history_.record(*stats_);
      view_.clock = clock_text();
      view_.banner.clear();
      down_since_.clear();
    } catch (const std::exception& e) {
      client_.reset();
      if (down_since_.empty())
        down_since_ = clock_text();
      view_.banner = "daemon not answering since " + down_since_ + ": "
                     + failure_text(e);
      if (stats_)
        view_.banner += " (figures of " + view_.clock + ")";
    }
    // The console's own cost: CPU over wall time since the previous fetch.
    if (last_cpu_wall_) {
      const std::chrono::duration<double> span = wall - *last_cpu_wall_;
      if (span.count() > 0)
        view_.console_cpu_percent = 100 * (cpu - last_cpu_) / span.count();
    }
    last_cpu_ = cpu;
    last_cpu_wall_ = wall;
  }

  std::vector<const actor_stats*> rows() const {
    if (!stats_)
      return {};
    return visible_actors(*stats_, view_.filter, view_.order);
  }

  /// Keeps the cursor on a visible row (the first when its actor is not).
  void fix_selection() {
    auto r = rows();
    if (r.empty())
      return;
    for (const auto* a : r)
      if (a->name == view_.selected)
        return;
    view_.selected = r.front()->name;
  }

  void move_selection(int delta) {
    auto r = rows();
    if (r.empty())
      return;
    std::size_t i = 0;
    while (i < r.size() && r[i]->name != view_.selected)
      ++i;
    if (i == r.size())
      i = 0;
    auto j = static_cast<long>(i) + delta;
    j = std::clamp<long>(j, 0, static_cast<long>(r.size()) - 1);
    view_.selected = r[static_cast<std::size_t>(j)]->name;
  }

  void draw(terminal& term) {
    fix_selection();
    auto lines = render_frame(stats_ ? &*stats_ : nullptr, history_, view_);
    // One column spare: writing the last one would wrap some terminals.
    auto width = term.width();
    term.write(to_terminal(lines, width > 1 ? width - 1 : width,
                           term.height()));
  }

  void change_interval(int step) {
    auto it = std::lower_bound(intervals.begin(), intervals.end(),
                               view_.interval_seconds - 1e-9);
    auto i = static_cast<long>(it - intervals.begin());
    i = std::clamp<long>(i + step, 0, static_cast<long>(intervals.size()) - 1);
    view_.interval_seconds = intervals[static_cast<std::size_t>(i)];
  }

  void sort_by(column c) {
    if (view_.order.by == c)
      view_.order.reversed = !view_.order.reversed;
    else
      view_.order = {c, false};
  }

  void move_sort(int step) {
    auto i = static_cast<long>(view_.order.by) + step;
    i = (i + static_cast<long>(column_count)) % static_cast<long>(column_count);
    view_.order = {static_cast<column>(i), false};
  }

  void handle(const key& k) {
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
      return;
    }
    if (k.code == key::character && k.ch == 'q') {
      quit_ = true;
      return;
    }
    if (view_.help) {
      view_.help = false;
      return;
    }
    if (k.code == key::character) {
      switch (k.ch) {
        case 'h':
        case '?':
          view_.help = true;
          return;
        case 'p':
        case ' ':
          view_.paused = !view_.paused;
          fetch_now_ = !view_.paused;
          return;
        case '+':
          change_interval(+1);
          return;
        case '-':
          change_interval(-1);
          return;
        default:
          break;
      }
    }
    if (view_.drill) {
      if (k.code == key::escape || k.code == key::backspace
          || k.code == key::left
          || (k.code == key::character && k.ch == 'b'))
        view_.drill.reset();
      return;
    }
    switch (k.code) {
      case key::up:
        move_selection(-1);
        return;
      case key::down:
        move_selection(+1);
        return;
      case key::left:
        move_sort(-1);
        return;
      case key::right:
        move_sort(+1);
        return;
      case key::enter:
        drill_in();
        return;
      case key::escape:
        view_.filter.clear();
        return;
      default:
        break;
    }
    if (k.code != key::character)
      return;
    if (k.ch >= '1' && k.ch <= '9') {
      sort_by(static_cast<column>(k.ch - '1'));
      return;
    }
    switch (k.ch) {
      case '<':
        move_sort(-1);
        return;
      case '>':
        move_sort(+1);
        return;
      case 'r':
        view_.order.reversed = !view_.order.reversed;
        return;
      case '/':
        view_.typing_filter = view_.filter;
        return;
      case 'k':
        move_selection(-1);
        return;
      case 'j':
        move_selection(+1);
        return;
      case 'd':
        drill_in();
        return;
      default:
        return;
    }
  }

  void drill_in() {
    fix_selection();
    if (!rows().empty())
      view_.drill = view_.selected;
  }

  const client_factory& connect_;
  std::optional<http_client> client_;
  std::optional<stats_snapshot> stats_;
  mailbox_history history_;
  view_state view_;
  std::string down_since_;
  steady::time_point last_fetch_;
  double last_cpu_ = 0;
  std::optional<steady::time_point> last_cpu_wall_;
  bool quit_ = false;
  bool fetch_now_ = false;
};

} // namespace

int top(const top_options& opt, const client_factory& connect) {
  if (opt.once || opt.json)
    return once(opt, connect);
  if (::isatty(STDIN_FILENO) == 0 || ::isatty(STDOUT_FILENO) == 0) {
    std::cerr << "memoryctl: top needs a terminal; use top --once or "
                 "top --json in scripts\n";
    return 2;
  }
  console c{opt, connect};
  return c.run();
}

} // namespace memoryctl

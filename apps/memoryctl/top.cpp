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

#include "apps/memoryctl/console_model.hpp"
#include "apps/memoryctl/screen.hpp"
#include "apps/memoryctl/stats_view.hpp"
#include "apps/memoryctl/terminal.hpp"

namespace memoryctl {

namespace {

using memoryd::net::http_client;
using memoryd::net::http_result;
using steady = std::chrono::steady_clock;

constexpr std::string_view stats_target = "/admin/stats";

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

/// The live console: fetches every interval, reads keys in between, and
/// draws the model's frame after either.
class console {
public:
  console(const top_options& opt, const client_factory& connect)
    : connect_(connect), model_(opt.url, opt.interval_seconds) {
    // nop
  }

  int run() {
    terminal term;
    auto next_fetch = steady::now();
    bool dirty = true;
    while (!terminal::interrupted()) {
      if (!model_.view().paused && steady::now() >= next_fetch) {
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
      auto wait = model_.view().paused
                    ? std::chrono::milliseconds{1000}
                    : std::chrono::duration_cast<std::chrono::milliseconds>(
                      next_fetch - steady::now());
      auto k = term.read_key(std::max(wait, std::chrono::milliseconds{0}));
      if (!k)
        continue;
      auto what = model_.handle(*k);
      if (what == console_model::action::quit)
        break;
      // A new interval counts from the last fetch; resuming fetches now.
      next_fetch = what == console_model::action::fetch_now
                     ? steady::now()
                     : last_fetch_ + interval();
      dirty = true;
    }
    return 0;
  }

private:
  steady::duration interval() const {
    return std::chrono::duration_cast<steady::duration>(
      std::chrono::duration<double>{model_.view().interval_seconds});
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
      model_.answered(parse_stats(r.body), clock_text());
    } catch (const std::exception& e) {
      client_.reset();  // a fresh connection next time
      model_.failed(failure_text(e), clock_text());
    }
    // The console's own cost: CPU over wall time since the previous fetch.
    if (last_cpu_wall_) {
      const std::chrono::duration<double> span = wall - *last_cpu_wall_;
      if (span.count() > 0)
        model_.set_cpu_percent(100 * (cpu - last_cpu_) / span.count());
    }
    last_cpu_ = cpu;
    last_cpu_wall_ = wall;
  }

  void draw(terminal& term) {
    // One column spare: writing the last one would wrap some terminals.
    auto width = term.width();
    model_.set_height(term.height());
    term.write(to_terminal(model_.frame(), width > 1 ? width - 1 : width,
                           term.height()));
  }

  const client_factory& connect_;
  std::optional<http_client> client_;
  console_model model_;
  steady::time_point last_fetch_;
  double last_cpu_ = 0;
  std::optional<steady::time_point> last_cpu_wall_;
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

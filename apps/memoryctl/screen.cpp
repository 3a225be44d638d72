#include "apps/memoryctl/screen.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string_view>

namespace memoryctl {

namespace {

std::string pct(double ratio) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.1f%%", ratio * 100);
  return buf.data();
}

std::string seconds_text(double s) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), s < 10 ? "%.1fs" : "%.0fs", s);
  return buf.data();
}

std::string up_down(bool up) {
  return up ? "up" : "DOWN";
}

/// The width of each column, markers and gaps included.
constexpr std::array<std::size_t, column_count> widths{18, 12, 8, 6, 6,
                                                       10, 9, 7, 8};

bool left_aligned(column c) {
  return c == column::name || c == column::type || c == column::state;
}

/// A table cell: text cut or padded to the column, numbers to the right.
std::string cell(column c, const std::string& text) {
  const auto w = widths[static_cast<std::size_t>(c)];
  auto t = fit(text, w - 1);
  auto pad = std::string(w - 1 - display_width(t), ' ');
  return left_aligned(c) ? t + pad + " " : pad + t + " ";
}

constexpr std::size_t trend_width = 11;  // "↑ " and 8 bars, and a gap

std::string heading_line(const sort_order& order) {
  std::string out = "  ";
  for (std::size_t i = 0; i < column_count; ++i) {
    auto c = static_cast<column>(i);
    std::string title{column_title(c)};
    if (c == order.by)
      title += order.reversed ? "▲" : "▼";
    out += cell(c, title);
    if (c == column::peak)
      out += fit("TREND", trend_width, true);
  }
  return out + "WHAT IT DOES";
}

std::string detail(const actor_stats& a) {
  if (a.state == "idle" || a.state.empty())
    return "";
  std::string out;
  if (!a.doing.empty())
    out += a.doing + " ";
  out += "for " + format_ms(a.busy_ms);
  if (!a.request_id.empty())
    out += ", request " + a.request_id;
  if (a.waiting_requests > 0)
    out += ", " + std::to_string(a.waiting_requests) + " waiting, oldest "
           + format_ms(a.oldest_wait_ms);
  return out;
}

std::string row_line(const actor_stats& a, const mailbox_history& history,
                     bool cursor) {
  std::string out = cursor ? "> " : "  ";
  out += cell(column::name, a.name);
  out += cell(column::type, a.type);
  out += cell(column::rate, format_rate(a.per_second));
  out += cell(column::mailbox, std::to_string(a.mailbox));
  out += cell(column::peak, std::to_string(a.mailbox_peak_recent));
  auto trend = std::string{history.trend(a.name)};
  out += fit((trend.empty() ? std::string{" "} : trend) + " "
               + history.sparkline(a.name),
             trend_width, true);
  out += cell(column::handler_p99, format_ms(a.handler_ms.p99));
  out += cell(column::wait_p99, format_ms(a.wait_ms.p99));
  out += cell(column::errors, std::to_string(a.errors));
  out += cell(column::state, a.state.empty() ? "?" : a.state);
  out += detail(a);
  return out;
}

void header(std::vector<screen_line>& out, const stats_snapshot& s,
            const view_state& view) {
  std::string title = "memoryd " + (s.version.empty() ? "?" : s.version)
                      + " at " + view.url + "  up "
                      + format_uptime(s.uptime_seconds);
  if (!view.clock.empty())
    title += "  at " + view.clock;
  if (!view.once) {
    title += "  every " + seconds_text(view.interval_seconds);
    if (view.paused)
      title += "  PAUSED";
  }
  out.push_back({title, look::title});
  const double share = s.requests_per_second > 0
                         ? s.server_errors_per_second / s.requests_per_second
                         : 0;
  out.push_back({"requests " + format_rate(s.requests_per_second) + "/s"
                 + "  p99 " + format_ms(s.latency_ms.p99) + "  in flight "
                 + std::to_string(s.requests_in_flight) + "  5xx "
                 + format_rate(s.server_errors_per_second) + "/s ("
                 + pct(share) + ")  (last " + seconds_text(s.window_seconds)
                 + ")"});
  out.push_back({"cache " + (s.cache_kind.empty() ? "?" : s.cache_kind) + " "
                 + up_down(s.cache_up) + ", hit ratio "
                 + (s.hit_ratio ? pct(*s.hit_ratio) : std::string{"-"})
                 + "  database "
                 + (s.database_kind.empty() ? "?" : s.database_kind) + " "
                 + up_down(s.database_up) + ", pool "
                 + std::to_string(s.pool_in_use) + "/"
                 + std::to_string(s.pool_size) + " in use, "
                 + std::to_string(s.pool_queued) + " queued"});
  std::size_t stalled = 0;
  std::size_t busy = 0;
  for (const auto& a : s.actors) {
    stalled += a.state == "stalled" ? 1 : 0;
    busy += a.state == "busy" ? 1 : 0;
  }
  std::string cost = "console cpu "
                     + (view.console_cpu_percent
                          ? pct(*view.console_cpu_percent / 100)
                        : view.console_cpu_ms ? format_ms(*view.console_cpu_ms)
                                              : std::string{"-"})
                     + ", daemon render " + format_ms(s.render_ms)
                     + "  actors " + std::to_string(s.actors.size()) + ": "
                     + std::to_string(stalled) + " stalled, "
                     + std::to_string(busy) + " busy";
  if (!view.filter.empty())
    cost += "  filter \"" + view.filter + "\"";
  out.push_back({cost});
}

void actor_table(std::vector<screen_line>& out, const stats_snapshot& s,
                 const mailbox_history& history, const view_state& view) {
  out.push_back({heading_line(view.order), look::heading});
  auto rows = visible_actors(s, view.filter, view.order);
  // Rows that fit: below the heading, above a "rows … of …" line, a blank
  // line and the key line; the window ends at the cursor once it is below.
  std::size_t first = 0;
  std::size_t count = rows.size();
  if (view.height > 0) {
    const auto used = out.size() + 3;
    const auto room = view.height > used + 1 ? view.height - used : 1;
    if (rows.size() > room) {
      std::size_t cursor = 0;
      while (cursor < rows.size() && rows[cursor]->name != view.selected)
        ++cursor;
      if (cursor == rows.size())
        cursor = 0;
      first = cursor < room ? 0 : cursor - room + 1;
      count = room;
    }
  }
  for (std::size_t i = first; i < first + count; ++i) {
    const auto* a = rows[i];
    const bool cursor = !view.once && a->name == view.selected;
    auto l = a->stalled() ? (cursor ? look::stalled_selected : look::stalled)
             : cursor     ? look::selected
             : a->state == "busy" ? look::busy
                                  : look::normal;
    out.push_back({row_line(*a, history, cursor), l});
  }
  if (count < rows.size())
    out.push_back({"  rows " + std::to_string(first + 1) + "-"
                     + std::to_string(first + count) + " of "
                     + std::to_string(rows.size())
                     + " (↑↓ PgUp PgDn Home End scroll)",
                   look::dim});
  if (rows.empty())
    out.push_back({view.filter.empty()
                     ? "  (no actors)"
                     : "  (no actor's name contains \"" + view.filter + "\")",
                   look::dim});
}

void drill_down(std::vector<screen_line>& out, const stats_snapshot& s,
                const mailbox_history& history, const std::string& name) {
  const actor_stats* found = nullptr;
  for (const auto& a : s.actors)
    if (a.name == name)
      found = &a;
  if (found == nullptr) {
    out.push_back({"actor " + name + " is gone", look::dim});
    return;
  }
  const auto& a = *found;
  auto state = a.state.empty() ? std::string{"?"} : a.state;
  out.push_back({"actor " + a.name + " (" + a.type + ", " + a.kind + "): "
                   + state,
                 a.stalled() ? look::stalled : look::title});
  if (a.state != "idle" && !a.state.empty())
    out.push_back({"  doing " + (a.doing.empty() ? "?" : a.doing) + " for "
                   + format_ms(a.busy_ms) + ", request "
                   + (a.request_id.empty() ? "-" : a.request_id)});
  out.push_back({"  waiting requests " + std::to_string(a.waiting_requests)
                 + ", the oldest for " + format_ms(a.oldest_wait_ms)});
  out.push_back({"  messages " + std::to_string(a.messages) + " ("
                 + format_rate(a.per_second) + "/s)  errors "
                 + std::to_string(a.errors) + " ("
                 + format_rate(a.errors_per_second) + "/s)"});
  auto trend = std::string{history.trend(a.name)};
  out.push_back({"  mailbox " + std::to_string(a.mailbox) + " now, peak "
                 + std::to_string(a.mailbox_peak_recent) + " lately, "
                 + std::to_string(a.mailbox_peak) + " since start  "
                 + trend + " " + history.sparkline(a.name)});
  auto q = [](const quantiles& v) {
    return "p50 " + format_ms(v.p50) + "  p99 " + format_ms(v.p99) + "  max "
           + format_ms(v.max);
  };
  out.push_back({"  handler " + q(a.handler_ms)});
  out.push_back({"  wait    " + q(a.wait_ms)});
  out.push_back({""});
  out.push_back({"its slowest messages of the last minute:", look::title});
  out.push_back({fit("  REQUEST ID", 40, true) + fit("MESSAGE", 14, true)
                   + fit("HANDLER", 10, true) + fit("WAIT", 10, true) + "AGO",
                 look::heading});
  for (const auto& m : a.slowest)
    out.push_back({"  " + fit(m.request_id.empty() ? "-" : m.request_id, 38,
                              true)
                   + fit(m.message, 14, true) + fit(format_ms(m.handler_ms), 10,
                                                    true)
                   + fit(format_ms(m.wait_ms), 10, true)
                   + format_ms(m.ago_ms) + " ago"});
  if (a.slowest.empty())
    out.push_back({"  (none)", look::dim});
}

std::string_view escape_of(look l) {
  switch (l) {
    case look::normal:
      return "";
    case look::title:
      return "\x1b[1m";
    case look::heading:
      return "\x1b[7m";
    case look::selected:
      return "\x1b[1;30;46m";
    case look::busy:
      return "\x1b[33m";
    case look::stalled:
      return "\x1b[1;37;41m";
    case look::stalled_selected:
      return "\x1b[1;4;7;31m";
    case look::banner:
      return "\x1b[1;37;41m";
    case look::dim:
      return "\x1b[2m";
  }
  return "";
}

bool fills_line(look l) {
  return l == look::heading || l == look::selected || l == look::stalled
         || l == look::stalled_selected || l == look::banner;
}

} // namespace

std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    n += (c & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

std::string fit(const std::string& s, std::size_t width, bool pad) {
  auto n = display_width(s);
  if (n <= width)
    return pad ? s + std::string(width - n, ' ') : s;
  if (width == 0)
    return "";
  // Cut after width - 1 code points and mark the cut.
  std::size_t seen = 0;
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80 && seen++ == width - 1)
      break;
  }
  return s.substr(0, i) + "…";
}

std::vector<screen_line> help_lines() {
  return {
    {"keys", look::title},
    {"  1 … 9       sort by the column of that number (1 ACTOR … 9 STATE)"},
    {"  < >         sort by the column left or right of the current one"},
    {"  r           reverse the order"},
    {"  /           filter by actor name: type a part of it, Enter (empty:"},
    {"              show all), Esc cancels"},
    {"  ↑ ↓  k j    move the cursor (the table scrolls with it); PgUp PgDn"},
    {"              a page, Home End (g G) the first and the last row"},
    {"  Enter  d    details of the actor under the cursor: its slowest"},
    {"              messages with their request ids, durations and waits"},
    {"  Esc  b      back to the table"},
    {"  p  space    pause (the figures stay; keys still work)"},
    {"  +  -        a longer or a shorter refresh interval (0.5 s … 60 s)"},
    {"  h  ?        this help; any key closes it"},
    {"  q  Ctrl-C   quit"},
    {""},
    {"columns", look::title},
    {"  ACTOR       the actor instance; > marks the cursor"},
    {"  TYPE        its kind of actor (front, session, storage, …)"},
    {"  MSG/S       messages handled per second, over the daemon's window"},
    {"  MBOX        messages in its mailbox now"},
    {"  PEAK        the mailbox's peak over the window"},
    {"  TREND       ↑ ↓ → the mailbox against the previous frame, and its"},
    {"              last 8 frames"},
    {"  HANDLER99   p99 time in the handler, over the window"},
    {"  WAIT99      p99 time messages waited in the mailbox"},
    {"  ERRORS      messages that failed, since start"},
    {"  STATE       idle, busy or stalled (mailbox not empty and no progress"},
    {"              for stall_after_ms, or a handler running that long)"},
    {"  WHAT IT     for a busy or stalled actor: the message it handles, for"},
    {"  DOES        how long, its request id, how many HTTP requests wait on"},
    {"              it and how long the oldest has waited"},
  };
}

std::vector<screen_line> render_frame(const stats_snapshot* stats,
                                      const mailbox_history& history,
                                      const view_state& view) {
  std::vector<screen_line> out;
  if (!view.banner.empty())
    out.push_back({view.banner, look::banner});
  if (stats == nullptr) {
    out.push_back({"memoryd at " + view.url + ": no answer yet", look::title});
  } else {
    header(out, *stats, view);
  }
  out.push_back({""});
  if (view.help) {
    for (auto& l : help_lines())
      out.push_back(std::move(l));
  } else if (stats != nullptr && view.drill) {
    drill_down(out, *stats, history, *view.drill);
  } else if (stats != nullptr) {
    actor_table(out, *stats, history, view);
  }
  if (view.once)
    return out;
  out.push_back({""});
  if (view.typing_filter) {
    out.push_back({"filter by name: " + *view.typing_filter
                     + "_   (Enter applies, Esc cancels)",
                   look::title});
  } else if (view.help) {
    out.push_back({"any key: back", look::dim});
  } else if (view.drill) {
    out.push_back({"Esc/b back  q quit  p pause  +/- interval  h help",
                   look::dim});
  } else {
    out.push_back({"h help  q quit  1-9 </> sort  r reverse  / filter  "
                   "p pause  +/- interval  ↑↓ select  Enter details",
                   look::dim});
  }
  return out;
}

std::string to_plain_text(const std::vector<screen_line>& lines) {
  std::string out;
  for (const auto& l : lines) {
    auto end = l.text.find_last_not_of(' ');
    out += end == std::string::npos ? std::string{} : l.text.substr(0, end + 1);
    out += '\n';
  }
  return out;
}

std::string to_terminal(const std::vector<screen_line>& lines,
                        std::size_t width, std::size_t height) {
  std::string out = "\x1b[H";
  const std::size_t count = std::min(lines.size(), height);
  for (std::size_t i = 0; i < count; ++i) {
    // When cut, the key line (the last) takes the last row.
    const auto& l = i + 1 == count ? lines.back() : lines[i];
    out += escape_of(l.look);
    out += fit(l.text, width, fills_line(l.look));
    out += "\x1b[0m";
    if (i + 1 < count)
      out += "\x1b[K\r\n";
    else
      out += "\x1b[K";
  }
  out += "\x1b[J";
  return out;
}

} // namespace memoryctl

#include "diff/line_diff.hpp"

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace memoryd::diff {

namespace {

/// Thrown out of the search when a limit is hit; caught in diff_lines().
struct stopped {
  outcome why;
};

/// Each distinct line as a number, so that the search compares integers.
std::vector<uint32_t> line_ids(const std::vector<std::string_view>& lines,
                               std::unordered_map<std::string_view,
                                                  uint32_t>& ids) {
  std::vector<uint32_t> out;
  out.reserve(lines.size());
  for (auto line : lines)
    out.push_back(
      ids.try_emplace(line, static_cast<uint32_t>(ids.size())).first->second);
  return out;
}

/// The linear-space search. Marks the lines of `a` to remove and those of
/// `b` to add; the marks describe a shortest edit script.
class search {
public:
  search(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b,
         const limits& bounds)
    : removed(a.size()), added(b.size()), a_(a), b_(b), bounds_(bounds) {
    // nop
  }

  void run() {
    compare(0, a_.size(), 0, b_.size(), true);
  }

  std::vector<char> removed;
  std::vector<char> added;

private:
  using index = int64_t;

  void step() {
    if (++steps_ > bounds_.max_steps)
      throw stopped{outcome::too_many_steps};
  }

  /// Edits a[ai, aj) into b[bi, bj). `top`: the whole problem, where the
  /// edit limit is checked (a part never needs more edits than the whole).
  void compare(std::size_t ai, std::size_t aj, std::size_t bi,
               std::size_t bj, bool top) {
    while (ai < aj && bi < bj && a_[ai] == b_[bi]) {
      ++ai;
      ++bi;
    }
    while (ai < aj && bi < bj && a_[aj - 1] == b_[bj - 1]) {
      --aj;
      --bj;
    }
    if (ai == aj || bi == bj)
      return mark_all(ai, aj, bi, bj, top);
    bisect(ai, aj, bi, bj, top);
  }

  void mark_all(std::size_t ai, std::size_t aj, std::size_t bi,
                std::size_t bj, bool top) {
    if (top && (aj - ai) + (bj - bi) > bounds_.max_edits)
      throw stopped{outcome::too_many_edits};
    std::fill(removed.begin() + static_cast<index>(ai),
              removed.begin() + static_cast<index>(aj), 1);
    std::fill(added.begin() + static_cast<index>(bi),
              added.begin() + static_cast<index>(bj), 1);
  }

  /// Walks from both corners at once until the paths meet, then solves the
  /// two halves on either side of the meeting point (the middle snake; the
  /// bookkeeping follows diff-match-patch's diff_bisect, which also trims
  /// diagonals that ran off the grid).
  void bisect(std::size_t ai, std::size_t aj, std::size_t bi, std::size_t bj,
              bool top) {
    const index n = static_cast<index>(aj - ai);
    const index m = static_cast<index>(bj - bi);
    const index max_d = (n + m + 1) / 2;
    index last_d = max_d;
    if (top)  // a script of D edits meets at d = ceil(D / 2)
      last_d = std::min<index>(
        max_d, static_cast<index>((bounds_.max_edits + 1) / 2) + 1);
    const index offset = max_d;
    const index length = 2 * max_d;
    forward_.assign(static_cast<std::size_t>(length), -1);
    backward_.assign(static_cast<std::size_t>(length), -1);
    forward_[static_cast<std::size_t>(offset + 1)] = 0;
    backward_[static_cast<std::size_t>(offset + 1)] = 0;
    const index delta = n - m;
    const bool front = delta % 2 != 0;  // the forward walk meets first
    index k1start = 0, k1end = 0, k2start = 0, k2end = 0;
    auto at = [](std::vector<index>& v, index i) -> index& {
      return v[static_cast<std::size_t>(i)];
    };
    auto same = [&](index x, index y) {
      step();
      return a_[ai + static_cast<std::size_t>(x)]
             == b_[bi + static_cast<std::size_t>(y)];
    };
    auto same_from_end = [&](index x, index y) {
      return same(n - x - 1, m - y - 1);
    };
    // The furthest point on diagonal k after d edits, from its neighbours'
    // after d - 1, then along the diagonal while `equal` (lines read from
    // the start or from the end). Stored in v; answers (x, y).
    auto walk = [&](std::vector<index>& v, index k, index d, auto equal) {
      step();
      const index ko = offset + k;
      index x = (k == -d || (k != d && at(v, ko - 1) < at(v, ko + 1)))
                  ? at(v, ko + 1)
                  : at(v, ko - 1) + 1;
      index y = x - k;
      while (x < n && y < m && equal(x, y)) {
        ++x;
        ++y;
      }
      at(v, ko) = x;
      return std::pair{x, y};
    };
    for (index d = 0; d < last_d; ++d) {
      for (index k1 = -d + k1start; k1 <= d - k1end; k1 += 2) {
        const auto [x1, y1] = walk(forward_, k1, d, same);
        if (x1 > n) {
          k1end += 2;
        } else if (y1 > m) {
          k1start += 2;
        } else if (front) {
          const index k2o = offset + delta - k1;
          if (k2o >= 0 && k2o < length && at(backward_, k2o) != -1
              && x1 >= n - at(backward_, k2o))
            return split(ai, aj, bi, bj, x1, y1, top, 2 * d - 1);
        }
      }
      for (index k2 = -d + k2start; k2 <= d - k2end; k2 += 2) {
        const auto [x2, y2] = walk(backward_, k2, d, same_from_end);
        if (x2 > n) {
          k2end += 2;
        } else if (y2 > m) {
          k2start += 2;
        } else if (!front) {
          const index k1o = offset + delta - k2;
          if (k1o >= 0 && k1o < length && at(forward_, k1o) != -1) {
            const index x1 = at(forward_, k1o);
            const index y1 = offset + x1 - k1o;
            if (x1 >= n - x2)
              return split(ai, aj, bi, bj, x1, y1, top, 2 * d);
          }
        }
      }
    }
    if (last_d < max_d)
      throw stopped{outcome::too_many_edits};
    mark_all(ai, aj, bi, bj, top);  // no line in common
  }

  void split(std::size_t ai, std::size_t aj, std::size_t bi, std::size_t bj,
             index x, index y, bool top, index edits) {
    if (top && static_cast<std::size_t>(edits) > bounds_.max_edits)
      throw stopped{outcome::too_many_edits};
    const auto xs = static_cast<std::size_t>(x);
    const auto ys = static_cast<std::size_t>(y);
    compare(ai, ai + xs, bi, bi + ys, false);
    compare(ai + xs, aj, bi + ys, bj, false);
  }

  const std::vector<uint32_t>& a_;
  const std::vector<uint32_t>& b_;
  const limits& bounds_;
  uint64_t steps_ = 0;
  std::vector<index> forward_;
  std::vector<index> backward_;
};

/// The marks as runs between shared lines.
std::vector<change> changes_of(const std::vector<char>& removed,
                               const std::vector<char>& added) {
  std::vector<change> out;
  std::size_t i = 0, j = 0;
  while (i < removed.size() || j < added.size()) {
    if ((i < removed.size() && removed[i]) || (j < added.size() && added[j])) {
      change c{i, 0, j, 0};
      while (i < removed.size() && removed[i]) {
        ++i;
        ++c.removed;
      }
      while (j < added.size() && added[j]) {
        ++j;
        ++c.added;
      }
      out.push_back(c);
    } else {
      ++i;  // a line both texts share
      ++j;
    }
  }
  return out;
}

} // namespace

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto size = end == std::string_view::npos ? text.size() : end + 1;
    lines.push_back(text.substr(0, size));
    text.remove_prefix(size);
  }
  return lines;
}

line_diff diff_lines(const std::vector<std::string_view>& old_lines,
                     const std::vector<std::string_view>& new_lines,
                     const limits& bounds) {
  line_diff out;
  if (old_lines.size() > bounds.max_lines
      || new_lines.size() > bounds.max_lines) {
    out.result = outcome::too_many_lines;
    return out;
  }
  std::unordered_map<std::string_view, uint32_t> ids;
  ids.reserve(old_lines.size() + new_lines.size());
  auto a = line_ids(old_lines, ids);
  auto b = line_ids(new_lines, ids);
  search s{a, b, bounds};
  try {
    s.run();
  } catch (const stopped& e) {
    out.result = e.why;
    return out;
  }
  out.changes = changes_of(s.removed, s.added);
  for (const auto& c : out.changes) {
    out.removed += c.removed;
    out.added += c.added;
  }
  return out;
}

std::string_view to_string(outcome o) {
  switch (o) {
    case outcome::done: return "done";
    case outcome::too_many_lines: return "too_many_lines";
    case outcome::too_many_edits: return "too_many_edits";
    case outcome::too_many_steps: return "too_many_steps";
  }
  return "unknown";
}

} // namespace memoryd::diff

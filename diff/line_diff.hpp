#pragma once

// A line diff: Myers' O((N+M)·D) algorithm in linear space (the middle
// snake, "An O(ND) Difference Algorithm and Its Variations", 1986), giving
// a shortest edit script. Bounded: past any of the limits it stops and
// says which, so a request never buys an unbounded computation.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace memoryd::diff {

/// `text` cut after each '\n'; every line keeps its terminator ("\r\n"
/// stays byte for byte), the last one may have none. "" has no line.
std::vector<std::string_view> split_lines(std::string_view text);

/// The step limit bounds the time (about a second of one loaded core in
/// the worst case found, see docs/operations.md); the edit limit also
/// bounds the output.
struct limits {
  std::size_t max_lines = 200000;   // per side
  std::size_t max_edits = 10000;    // lines removed + lines added
  uint64_t max_steps = 100000000;   // diagonal visits + line comparisons
};

/// A run of removed lines of the old text and the added lines of the new
/// one that replace them, between lines both texts share. 0-based.
struct change {
  std::size_t old_line = 0;  // first removed line (or where lines go in)
  std::size_t removed = 0;
  std::size_t new_line = 0;  // first added line
  std::size_t added = 0;
};

enum class outcome : uint8_t {
  done,
  too_many_lines,  // a side has more than max_lines
  too_many_edits,  // the shortest edit script is longer than max_edits
  too_many_steps,  // the search took more than max_steps
};

struct line_diff {
  outcome result = outcome::done;
  std::vector<change> changes;  // in order; empty when the texts are equal
  std::size_t removed = 0;      // lines, in all changes
  std::size_t added = 0;
};

/// The shortest edit script from `old_lines` to `new_lines`.
line_diff diff_lines(const std::vector<std::string_view>& old_lines,
                     const std::vector<std::string_view>& new_lines,
                     const limits& bounds = {});

std::string_view to_string(outcome o);

} // namespace memoryd::diff

#pragma once

// GNU `diff -u` output of a line diff: the same hunks for the same edit
// script (changes closer than 2 × context + 1 lines share a hunk), the same
// "@@ -a,b +c,d @@" ranges (",1" left out, an empty range numbered by the
// line before it), and "\ No newline at end of file" after a last line
// without one. So `patch` applies it.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "diff/line_diff.hpp"

namespace memoryd::diff {

struct unified_diff {
  std::string text;        // "" when the texts are equal
  std::size_t hunks = 0;
};

/// The unified diff of `changes` (from diff_lines on these lines), with
/// `context` shared lines around each change and the file header
/// "--- <old_label>" / "+++ <new_label>".
unified_diff format_unified(const std::vector<std::string_view>& old_lines,
                            const std::vector<std::string_view>& new_lines,
                            const std::vector<change>& changes,
                            std::size_t context, std::string_view old_label,
                            std::string_view new_label);

} // namespace memoryd::diff

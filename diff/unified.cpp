#include "diff/unified.hpp"

#include <algorithm>

namespace memoryd::diff {

namespace {

/// GNU diff's print_unidiff_number_range: "start,count", "start" alone for
/// one line, and for no line "before,0" (what patch expects).
std::string range_text(std::size_t begin, std::size_t end) {
  if (end == begin)
    return std::to_string(begin) + ",0";
  if (end - begin == 1)
    return std::to_string(begin + 1);
  return std::to_string(begin + 1) + "," + std::to_string(end - begin);
}

void append_line(std::string& out, char mark, std::string_view line) {
  out += mark;
  out += line;
  if (line.empty() || line.back() != '\n')
    out += "\n\\ No newline at end of file\n";
}

void append_lines(std::string& out, char mark,
                  const std::vector<std::string_view>& lines,
                  std::size_t begin, std::size_t end) {
  for (auto i = begin; i < end; ++i)
    append_line(out, mark, lines[i]);
}

/// One hunk: changes [first, last] with their context.
void append_hunk(std::string& out,
                 const std::vector<std::string_view>& old_lines,
                 const std::vector<std::string_view>& new_lines,
                 const change* first, const change* last,
                 std::size_t context) {
  // The lines before the first change and after the last one are shared,
  // so the context has the same length on both sides.
  const auto before = std::min(context, first->old_line);
  const auto old_end_of_last = last->old_line + last->removed;
  const auto after = std::min(context, old_lines.size() - old_end_of_last);
  const auto old_begin = first->old_line - before;
  const auto new_begin = first->new_line - before;
  const auto old_end = old_end_of_last + after;
  const auto new_end = last->new_line + last->added + after;
  out += "@@ -" + range_text(old_begin, old_end) + " +"
         + range_text(new_begin, new_end) + " @@\n";
  auto shared = old_begin;  // next shared line of the old text to print
  for (auto c = first; c <= last; ++c) {
    append_lines(out, ' ', old_lines, shared, c->old_line);
    append_lines(out, '-', old_lines, c->old_line, c->old_line + c->removed);
    append_lines(out, '+', new_lines, c->new_line, c->new_line + c->added);
    shared = c->old_line + c->removed;
  }
  append_lines(out, ' ', old_lines, shared, old_end);
}

} // namespace

unified_diff format_unified(const std::vector<std::string_view>& old_lines,
                            const std::vector<std::string_view>& new_lines,
                            const std::vector<change>& changes,
                            std::size_t context, std::string_view old_label,
                            std::string_view new_label) {
  unified_diff out;
  if (changes.empty())
    return out;
  out.text = "--- " + std::string{old_label} + "\n+++ "
             + std::string{new_label} + "\n";
  const auto end = changes.data() + changes.size();
  for (auto first = changes.data(); first != end;) {
    auto last = first;
    // GNU's find_hunk: the next change joins when fewer than 2 × context
    // + 1 shared lines separate them.
    while (last + 1 != end
           && (last + 1)->old_line - (last->old_line + last->removed)
                < 2 * context + 1)
      ++last;
    append_hunk(out.text, old_lines, new_lines, first, last, context);
    ++out.hunks;
    first = last + 1;
  }
  return out;
}

} // namespace memoryd::diff

// The line diff: shortest edit scripts (checked against an O(N·M) LCS),
// scripts that turn the old lines into the new ones, and the limits.

#include <ostream>
#include <random>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "diff/line_diff.hpp"

using namespace memoryd::diff;

namespace memoryd::diff {

std::ostream& operator<<(std::ostream& os, outcome o) {
  return os << to_string(o);
}

} // namespace memoryd::diff

namespace {

using lines = std::vector<std::string_view>;

/// The length of a longest common subsequence, the slow way.
std::size_t lcs_length(const lines& a, const lines& b) {
  std::vector<std::vector<std::size_t>> t(
      a.size() + 1, std::vector<std::size_t>(b.size() + 1, 0));
  for (std::size_t i = a.size(); i-- > 0;)
    for (std::size_t j = b.size(); j-- > 0;)
      t[i][j] = a[i] == b[j] ? t[i + 1][j + 1] + 1
                             : std::max(t[i + 1][j], t[i][j + 1]);
  return t[0][0];
}

/// `a` edited by `changes` (their added lines taken from `b`).
lines apply(const lines& a, const lines& b,
            const std::vector<change>& changes) {
  lines out;
  std::size_t i = 0;
  for (const auto& c : changes) {
    BOOST_REQUIRE(c.old_line >= i);
    out.insert(out.end(), a.begin() + static_cast<long>(i),
               a.begin() + static_cast<long>(c.old_line));
    out.insert(out.end(), b.begin() + static_cast<long>(c.new_line),
               b.begin() + static_cast<long>(c.new_line + c.added));
    i = c.old_line + c.removed;
  }
  out.insert(out.end(), a.begin() + static_cast<long>(i), a.end());
  return out;
}

/// `n` lines drawn from `alphabet` distinct ones (few: many repeats).
std::vector<std::string> random_lines(std::mt19937& rng, std::size_t n,
                                      int alphabet) {
  std::uniform_int_distribution<int> pick(0, alphabet - 1);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back("line " + std::to_string(pick(rng)) + "\n");
  return out;
}

lines views(const std::vector<std::string>& s) {
  return {s.begin(), s.end()};
}

} // namespace

BOOST_AUTO_TEST_SUITE(line_diff_suite)

BOOST_AUTO_TEST_CASE(lines_keep_their_terminators) {
  BOOST_TEST(split_lines("").empty());
  BOOST_TEST((split_lines("a") == lines{"a"}));
  BOOST_TEST((split_lines("a\n") == lines{"a\n"}));
  BOOST_TEST((split_lines("a\nb") == lines{"a\n", "b"}));
  BOOST_TEST((split_lines("a\r\nb\r\n\n") == lines{"a\r\n", "b\r\n", "\n"}));
  BOOST_TEST((split_lines("é\n日本\n") == lines{"é\n", "日本\n"}));
}

BOOST_AUTO_TEST_CASE(equal_texts_have_no_change) {
  auto a = split_lines("x\ny\nz");
  auto d = diff_lines(a, a);
  BOOST_TEST(d.result == outcome::done);
  BOOST_TEST(d.changes.empty());
  BOOST_TEST(diff_lines({}, {}).changes.empty());
}

BOOST_AUTO_TEST_CASE(from_and_to_nothing) {
  auto a = split_lines("x\ny\n");
  auto added = diff_lines({}, a);
  BOOST_TEST_REQUIRE(added.changes.size() == 1u);
  BOOST_TEST(added.added == 2u);
  BOOST_TEST(added.removed == 0u);
  auto removed = diff_lines(a, {});
  BOOST_TEST(removed.removed == 2u);
  BOOST_TEST(removed.changes[0].old_line == 0u);
}

BOOST_AUTO_TEST_CASE(a_missing_final_newline_is_a_change) {
  auto d = diff_lines(split_lines("a\nb"), split_lines("a\nb\n"));
  BOOST_TEST_REQUIRE(d.changes.size() == 1u);
  BOOST_TEST(d.changes[0].old_line == 1u);
  BOOST_TEST(d.removed == 1u);
  BOOST_TEST(d.added == 1u);
}

BOOST_AUTO_TEST_CASE(all_lines_changed) {
  auto d = diff_lines(split_lines("a\nb\nc\n"), split_lines("x\ny\n"));
  BOOST_TEST_REQUIRE(d.changes.size() == 1u);
  BOOST_TEST(d.removed == 3u);
  BOOST_TEST(d.added == 2u);
}

BOOST_AUTO_TEST_CASE(scripts_are_shortest_and_correct) {
  std::mt19937 rng(13);
  for (int round = 0; round < 400; ++round) {
    std::uniform_int_distribution<std::size_t> size(0, 40);
    auto sa = random_lines(rng, size(rng), 1 + round % 6);
    auto sb = random_lines(rng, size(rng), 1 + round % 6);
    auto a = views(sa), b = views(sb);
    auto d = diff_lines(a, b);
    BOOST_TEST_REQUIRE(d.result == outcome::done);
    BOOST_TEST(d.removed + d.added
                   == a.size() + b.size() - 2 * lcs_length(a, b),
               "round " << round);
    BOOST_TEST((apply(a, b, d.changes) == b), "round " << round);
    // Changes are separated by at least one shared line.
    for (std::size_t i = 1; i < d.changes.size(); ++i)
      BOOST_TEST(d.changes[i].old_line
                 > d.changes[i - 1].old_line + d.changes[i - 1].removed);
  }
}

BOOST_AUTO_TEST_CASE(a_large_insertion_is_one_change) {
  std::vector<std::string> sa, sb;
  for (int i = 0; i < 100000; ++i)
    sa.push_back("<div id=\"" + std::to_string(i) + "\"></div>\n");
  sb = sa;
  std::vector<std::string> inserted;
  for (int i = 0; i < 50000; ++i)
    inserted.push_back("<p>new " + std::to_string(i) + "</p>\n");
  sb.insert(sb.begin() + 40000, inserted.begin(), inserted.end());
  auto d = diff_lines(views(sa), views(sb), {200000, 60000, 400000000});
  BOOST_TEST_REQUIRE(d.result == outcome::done);
  BOOST_TEST_REQUIRE(d.changes.size() == 1u);
  BOOST_TEST(d.changes[0].old_line == 40000u);
  BOOST_TEST(d.added == 50000u);
  BOOST_TEST(d.removed == 0u);
}

BOOST_AUTO_TEST_CASE(limits_stop_the_search) {
  std::mt19937 rng(7);
  auto sa = random_lines(rng, 3000, 50);
  auto sb = random_lines(rng, 3000, 50);
  auto a = views(sa), b = views(sb);
  auto full = diff_lines(a, b);
  BOOST_TEST_REQUIRE(full.result == outcome::done);
  const auto edits = full.removed + full.added;
  // Exactly at the limit is fine, one below it is not.
  BOOST_TEST(diff_lines(a, b, {3000, edits, 400000000}).result
             == outcome::done);
  BOOST_TEST(diff_lines(a, b, {3000, edits - 1, 400000000}).result
             == outcome::too_many_edits);
  BOOST_TEST(diff_lines(a, b, {2999, 100000, 400000000}).result
             == outcome::too_many_lines);
  BOOST_TEST(diff_lines(a, b, {3000, 100000, 10000}).result
             == outcome::too_many_steps);
  // Nothing in common: the edit limit holds as well.
  auto x = split_lines("a\nb\nc\n"), y = split_lines("d\ne\n");
  BOOST_TEST(diff_lines(x, y, {10, 4, 1000}).result == outcome::too_many_edits);
  BOOST_TEST(diff_lines(x, y, {10, 5, 1000}).result == outcome::done);
}

BOOST_AUTO_TEST_SUITE_END()

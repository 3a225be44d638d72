// The unified output, byte for byte as GNU diff -u writes it for the same
// edit script.

#include <string>

#include <boost/test/unit_test.hpp>

#include "diff/unified.hpp"

using namespace memoryd::diff;

namespace {

unified_diff unified(std::string_view a, std::string_view b,
                     std::size_t context = 3) {
  auto old_lines = split_lines(a);
  auto new_lines = split_lines(b);
  auto d = diff_lines(old_lines, new_lines);
  BOOST_REQUIRE(d.result == outcome::done);
  return format_unified(old_lines, new_lines, d.changes, context, "a/x", "b/x");
}

std::string numbered(int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i)
    out += std::to_string(i) + "\n";
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(unified_suite)

BOOST_AUTO_TEST_CASE(equal_texts_give_nothing) {
  BOOST_TEST(unified("a\nb\n", "a\nb\n").text.empty());
  BOOST_TEST(unified("", "").text.empty());
  BOOST_TEST(unified("", "").hunks == 0u);
}

BOOST_AUTO_TEST_CASE(one_change_with_context) {
  auto d =
      unified(numbered(1, 10), numbered(1, 4) + "five\n" + numbered(6, 10));
  BOOST_TEST(d.hunks == 1u);
  BOOST_TEST(d.text
             == "--- a/x\n+++ b/x\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n"
                " 6\n 7\n 8\n");
}

BOOST_AUTO_TEST_CASE(from_and_to_an_empty_text) {
  BOOST_TEST(unified("", "a\nb\n").text
             == "--- a/x\n+++ b/x\n@@ -0,0 +1,2 @@\n+a\n+b\n");
  BOOST_TEST(unified("a\n", "").text
             == "--- a/x\n+++ b/x\n@@ -1 +0,0 @@\n-a\n");
}

BOOST_AUTO_TEST_CASE(no_final_newline_on_either_side) {
  const std::string marker = "\\ No newline at end of file\n";
  BOOST_TEST(unified("a\nb", "a\nb\n").text
             == "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n" + marker
                    + "+b\n");
  BOOST_TEST(unified("a\nb\n", "a\nc").text
             == "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n" + marker);
  // The shared last line without a newline is context, marked once.
  BOOST_TEST(unified("x\nend", "y\nend").text
             == "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-x\n+y\n end\n" + marker);
}

BOOST_AUTO_TEST_CASE(crlf_and_unicode_stay_byte_for_byte) {
  BOOST_TEST(unified("a\r\nb\r\n", "a\r\nc\r\n").text
             == "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n");
  BOOST_TEST(
      unified("Grüße\n日本語\n", "Grüße\n🚀 emoji\n").text
      == "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n Grüße\n-日本語\n+🚀 emoji\n");
}

BOOST_AUTO_TEST_CASE(no_context_numbers_empty_ranges_by_the_line_before) {
  auto d =
      unified(numbered(1, 6), numbered(1, 3) + "new\n" + numbered(4, 6), 0);
  BOOST_TEST(d.text == "--- a/x\n+++ b/x\n@@ -3,0 +4 @@\n+new\n");
  d = unified(numbered(1, 6), numbered(1, 2) + numbered(5, 6), 0);
  BOOST_TEST(d.text == "--- a/x\n+++ b/x\n@@ -3,2 +2,0 @@\n-3\n-4\n");
}

BOOST_AUTO_TEST_CASE(changes_closer_than_twice_the_context_share_a_hunk) {
  // Changes at lines 2 and 9: 6 shared lines between them.
  auto edit = [](int first, int second) {
    std::string out;
    for (int i = 1; i <= 20; ++i)
      out += (i == first || i == second ? "x" : std::to_string(i)) + "\n";
    return out;
  };
  BOOST_TEST(unified(numbered(1, 20), edit(2, 9)).hunks == 1u);
  BOOST_TEST(unified(numbered(1, 20), edit(2, 10)).hunks == 2u);
  auto two = unified(numbered(1, 20), edit(2, 10), 3);
  BOOST_TEST(two.text.find("@@ -1,5 +1,5 @@") != std::string::npos);
  BOOST_TEST(two.text.find("@@ -7,7 +7,7 @@") != std::string::npos);
  BOOST_TEST(unified(numbered(1, 20), edit(2, 3), 0).hunks == 1u);
  BOOST_TEST(unified(numbered(1, 20), edit(2, 4), 0).hunks == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

// Against the system's GNU diff and patch (on PATH): `patch` turns the old
// text into the new one with our diff, and `diff -u --minimal` finds as
// many added and removed lines (both scripts are shortest); where the edit
// is unambiguous the two outputs are equal byte for byte.

#include <random>
#include <string>

#include <boost/test/unit_test.hpp>

#include "diff/unified.hpp"
#include "tests/codec/samples.hpp"

using namespace memoryd::diff;
using memoryd::test::quoted;
using memoryd::test::shell;

namespace {

/// Random text over a few distinct lines, CRLF and non-ASCII ones among
/// them, sometimes without a final newline.
std::string random_text(std::mt19937& rng, std::size_t lines) {
  static const char* pool[] = {
      "<div>\n", "</div>\n", "  color: red;\r\n", "Grüße 日本語 🚀\n",
      "}\n",     "\n",       "x = 1;\n"};
  std::uniform_int_distribution<std::size_t> pick(0, std::size(pool) - 1);
  std::string out;
  for (std::size_t i = 0; i < lines; ++i)
    out += pool[pick(rng)];
  if (!out.empty() && rng() % 3 == 0)
    out.pop_back();
  return out;
}

unified_diff ours(const std::string& a, const std::string& b,
                  std::size_t context) {
  auto old_lines = split_lines(a);
  auto new_lines = split_lines(b);
  auto d = diff_lines(old_lines, new_lines);
  BOOST_REQUIRE(d.result == outcome::done);
  return format_unified(old_lines, new_lines, d.changes, context, "a/old",
                        "b/new");
}

/// Added and removed lines of a unified diff.
std::pair<std::size_t, std::size_t> counts(const std::string& text) {
  std::size_t added = 0, removed = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    auto line = std::string_view{text}.substr(pos, end - pos);
    if (line.starts_with("+") && !line.starts_with("+++ "))
      ++added;
    if (line.starts_with("-") && !line.starts_with("--- "))
      ++removed;
    pos = end + 1;
  }
  return {added, removed};
}

struct gnu_run {
  memoryd::test::scratch_dir dir;

  std::string diff(const std::string& a, const std::string& b,
                   std::size_t context) {
    memoryd::test::write_file(dir / "old", a);
    memoryd::test::write_file(dir / "new", b);
    shell("diff --minimal -U" + std::to_string(context)
          + " --label a/old --label b/new " + quoted(dir / "old") + " "
          + quoted(dir / "new") + " > " + quoted(dir / "gnu.diff"));
    return memoryd::test::read_file(dir / "gnu.diff");
  }

  /// `a` patched with `patch_text` by GNU patch.
  std::string patched(const std::string& a, const std::string& patch_text) {
    memoryd::test::write_file(dir / "target", a);
    memoryd::test::write_file(dir / "our.diff", patch_text);
    BOOST_REQUIRE(shell("patch --quiet --batch -o " + quoted(dir / "out") + " "
                        + quoted(dir / "target") + " < "
                        + quoted(dir / "our.diff"))
                  == 0);
    return memoryd::test::read_file(dir / "out");
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(gnu_interop)

BOOST_AUTO_TEST_CASE(patch_applies_ours_and_the_counts_match_gnu_diff) {
  gnu_run gnu;
  std::mt19937 rng(42);
  for (int round = 0; round < 150; ++round) {
    const auto a = random_text(rng, rng() % 30);
    const auto b = random_text(rng, rng() % 30);
    const std::size_t context = round % 4;
    BOOST_TEST_CONTEXT("round " << round << " context " << context) {
      auto d = ours(a, b, context);
      auto theirs = gnu.diff(a, b, context);
      BOOST_TEST((counts(d.text) == counts(theirs)));
      BOOST_TEST(d.text.empty() == theirs.empty());
      if (!d.text.empty())
        BOOST_TEST(gnu.patched(a, d.text) == b);
    }
  }
}

BOOST_AUTO_TEST_CASE(unambiguous_edits_are_gnu_diffs_byte_for_byte) {
  gnu_run gnu;
  std::mt19937 rng(5);
  for (int round = 0; round < 60; ++round) {
    // Distinct lines: one shortest script only.
    std::string a, b;
    for (int i = 0; i < 80; ++i) {
      auto line = "line " + std::to_string(i) + " äö\n";
      auto r = rng() % 10;
      if (r != 0)
        a += line;
      if (r == 1)
        b += "changed " + std::to_string(i) + "\r\n";
      else if (r != 2)
        b += line;
    }
    if (round % 2)
      b.pop_back();
    const std::size_t context = round % 5;
    BOOST_TEST_CONTEXT("round " << round) {
      BOOST_TEST(ours(a, b, context).text == gnu.diff(a, b, context));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()

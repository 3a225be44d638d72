#pragma once

// What the code blob tests share: a page history with small edits, sites
// holding such histories, and counts of what the blob tables hold.

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "codec/sha256.hpp"
#include "storage/code_blobs.hpp"
#include "tests/storage/site_test_support.hpp"

namespace memoryd::storage::test::blobs {

// A page of `lines` lines of HTML-ish text, and edits of a few lines of it.
class page_history {
public:
  explicit page_history(std::size_t lines, unsigned seed = 7) : rng_(seed) {
    for (std::size_t i = 0; i < lines; ++i)
      lines_.push_back(line());
  }

  std::string text() const {
    std::string out;
    for (const auto& l : lines_)
      out += l + "\n";
    return out;
  }

  // The text now and after each of `edits` edits.
  std::vector<std::string> history(std::size_t edits) {
    std::vector<std::string> out{text()};
    for (std::size_t i = 0; i < edits; ++i)
      out.push_back(edit());
    return out;
  }

  // Changes one to three lines, returns the new text.
  std::string edit() {
    const auto n = 1 + rng_() % 3;
    for (unsigned i = 0; i < n; ++i)
      lines_[rng_() % lines_.size()] = line();
    return text();
  }

private:
  std::string line() {
    static const char* words[] = {"agent", "site", "grid", "card", "header",
                                  "portfolio", "button", "deploy", "theme",
                                  "colour", "margin", "padding", "the", "of"};
    std::string l = "  <p class=\"" + std::string{words[rng_() % 14]} + "\">";
    for (int i = 0; i < 10; ++i)
      l += std::string{words[rng_() % 14]} + " ";
    return l + std::to_string(rng_() % 1000) + "</p>";
  }

  std::mt19937 rng_;
  std::vector<std::string> lines_;
};

inline new_version real_version(std::string code) {
  auto v = sites::version_of(std::move(code));
  v.code_sha256 = codec::sha256_hex(v.code);
  return v;
}

inline long long scalar(soci::session& sql, const std::string& query) {
  long long n = 0;
  sql << query, soci::into(n);
  return n;
}

inline long long blob_count(soci::session& sql) {
  return scalar(sql, "SELECT count(*) FROM code_blobs");
}

inline long long plain_rows(soci::session& sql) {
  return scalar(sql, "SELECT count(*) FROM site_versions WHERE code <> ''");
}

// Blobs whose base's base is a delta: more than three reads.
inline long long too_deep(soci::session& sql) {
  return scalar(sql, "SELECT count(*) FROM code_blobs d"
                     " JOIN code_blobs i ON i.sha256 = d.base_sha256"
                     " JOIN code_blobs k ON k.sha256 = i.base_sha256"
                     " WHERE k.base_sha256 IS NOT NULL");
}

// Every pass of the collector until one deletes nothing.
inline std::size_t collect_all(soci::session& sql) {
  std::size_t total = 0;
  for (;;) {
    std::size_t pass = 0;
    std::string after;
    do
      pass += code_blobs::collect_garbage(sql, after, 3);
    while (!after.empty());
    total += pass;
    if (pass == 0)
      return total;
  }
}

// A site holding `codes` as versions 1..n, each with its real digest.
inline site_record site_with(soci::session& sql,
                             const std::vector<std::string>& codes) {
  site_repository repo{sql};
  auto site = repo.create(sites::draft_site(sites::new_session(sql)),
                          real_version(codes.front()));
  std::vector<new_version> rest;
  for (std::size_t i = 1; i < codes.size(); ++i)
    rest.push_back(real_version(codes[i]));
  // In batches of a few, as the site actor folds them.
  for (std::size_t i = 0; i < rest.size(); i += 5)
    repo.add_versions(site.site_id,
                      {rest.begin() + static_cast<std::ptrdiff_t>(i),
                       rest.begin()
                         + static_cast<std::ptrdiff_t>(
                           std::min(i + 5, rest.size()))});
  return site;
}

inline void require_history(site_repository& repo, const std::string& site_id,
                            const std::vector<std::string>& codes) {
  for (std::size_t i = 0; i < codes.size(); ++i) {
    auto v = repo.version(site_id, static_cast<int64_t>(i) + 1);
    BOOST_TEST_REQUIRE(v.has_value());
    BOOST_TEST_REQUIRE(v->code == codes[i], "version " << i + 1 << " differs");
    BOOST_TEST(v->code_sha256 == codec::sha256_hex(codes[i]));
  }
}

} // namespace memoryd::storage::test::blobs

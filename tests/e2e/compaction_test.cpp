// Compact version storage against the real daemon: versions written before
// migration 0006 (planted as plain rows) are converted in the background
// while every one of them reads back byte for byte, before, during and after;
// new versions continue their chains; the nightly cleanup's collector then
// removes the blobs of a deleted session and nothing else.

#include <random>

#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"
#include "tests/e2e/database_probe.hpp"
#include "tests/support/eventually.hpp"

namespace json = boost::json;
using namespace memoryd::test;
using namespace std::chrono_literals;

namespace {

// `n` versions of a page of about 16 KB, each a few lines changed, every
// tenth the code of an older one again.
std::vector<std::string> page_history(std::size_t n, unsigned seed) {
  std::mt19937 rng{seed};
  std::vector<std::string> lines;
  auto line = [&] {
    return "<p class=\"c" + std::to_string(rng() % 50) + "\">"
           + std::to_string(rng()) + " agents edit pages "
           + std::to_string(rng()) + "</p>";
  };
  for (int i = 0; i < 300; ++i)
    lines.push_back(line());
  std::vector<std::string> out;
  for (std::size_t v = 0; v < n; ++v) {
    if (v % 10 == 9) {
      out.push_back(out[v / 2]);
      continue;
    }
    for (unsigned k = 0; k < 1 + rng() % 3; ++k)
      lines[rng() % lines.size()] = line();
    std::string text;
    for (const auto& l : lines)
      text += l + "\n";
    out.push_back(std::move(text));
  }
  return out;
}

std::string version_path(const std::string& site_id, std::size_t n) {
  return "/api/sessions/sites/" + site_id + "/versions/" + std::to_string(n);
}

// Reads every version of `site_id` and checks it against `codes`.
void require_all(api_client& c, const std::string& site_id,
                 const std::vector<std::string>& codes) {
  for (std::size_t n = 1; n <= codes.size(); ++n) {
    auto r = c.get(version_path(site_id, n));
    BOOST_TEST_REQUIRE(r.status == 200u, r.raw.body);
    BOOST_TEST_REQUIRE(r.object().at("code").as_string() == codes[n - 1],
                       "version " << n << " of " << site_id << " differs");
  }
}

long long plain_rows(database_probe& db) {
  return db.scalar("SELECT count(*) FROM site_versions WHERE code <> ''");
}

long long blobs(database_probe& db) {
  return db.scalar("SELECT count(*) FROM code_blobs");
}

} // namespace

BOOST_AUTO_TEST_SUITE(compact_storage)

BOOST_AUTO_TEST_CASE(plain_rows_convert_online_and_read_alike_throughout) {
  auto backend = make_backend();
  database_probe db{backend.env["DATABASE_URL"]};
  std::vector<std::pair<std::string, std::vector<std::string>>> sites;
  for (unsigned s = 0; s < 4; ++s) {
    auto codes = page_history(150, s);
    sites.emplace_back(db.plant_plain_site(codes), std::move(codes));
  }
  BOOST_TEST(plain_rows(db) == 600);
  BOOST_TEST(blobs(db) == 0);

  daemon_process d{backend.env};
  api_client c{d.port()};
  // Read while the compactor converts, round after round, until it is done;
  // every answer must be the planted text, whichever form its row is in.
  long long plain_seen = plain_rows(db);
  int rounds = 0;
  while (plain_seen > 0 && rounds < 100) {
    for (const auto& [site_id, codes] : sites)
      require_all(c, site_id, codes);
    plain_seen = plain_rows(db);
    ++rounds;
  }
  BOOST_TEST_MESSAGE(rounds << " rounds of reads during the conversion");
  BOOST_TEST_REQUIRE(eventually(60s, [&] { return plain_rows(db) == 0; }));
  for (const auto& [site_id, codes] : sites)
    require_all(c, site_id, codes);
  // Each distinct text once: 135 distinct per site (every tenth repeats).
  BOOST_TEST(blobs(db) == 4 * 135);

  // New versions continue the converted chains, as deltas.
  auto& [site_id, codes] = sites.front();
  codes.push_back(codes.back() + "<p>one more line</p>\n");
  auto r = c.post("/api/sessions/sites/" + site_id + "/versions",
                  json::object{{"code", codes.back()}});
  BOOST_TEST_REQUIRE(r.status == 201u, r.raw.body);
  require_all(c, site_id, codes);
  BOOST_TEST(db.scalar("SELECT count(*) FROM code_blobs WHERE base_sha256 IS "
                       "NOT NULL") > 4 * 80);
}

BOOST_AUTO_TEST_CASE(the_cleanup_removes_the_blobs_of_a_deleted_session_only) {
  auto backend = make_backend();
  database_probe db{backend.env["DATABASE_URL"]};
  daemon_process d{backend.env};
  api_client c{d.port()};
  std::vector<std::string> ids;
  std::vector<std::string> sessions;
  const auto codes = page_history(30, 9);
  for (int s = 0; s < 2; ++s) {
    auto session = c.create_session(json::object{});
    sessions.push_back(std::string{session.at("session_id").as_string()});
    auto site = c.post("/api/sessions/" + sessions.back() + "/sites",
                       json::object{{"name", "home"}, {"code", codes[0]}});
    BOOST_TEST_REQUIRE(site.status == 201u, site.raw.body);
    ids.push_back(std::string{site.object().at("site_id").as_string()});
    // The second site's history differs from the first's after version 1.
    for (std::size_t n = 1; n < codes.size(); ++n) {
      auto code = s == 0 ? codes[n] : codes[n] + "<!-- second -->";
      auto v = c.post("/api/sessions/sites/" + ids.back() + "/versions",
                      json::object{{"code", code}});
      BOOST_TEST_REQUIRE(v.status == 201u, v.raw.body);
    }
  }
  // 27 distinct texts each (every tenth repeats an older one), version 1
  // the same in both.
  BOOST_TEST(blobs(db) == 27 + 26);

  BOOST_TEST(c.del("/api/sessions/" + sessions[1]).status == 204u);
  BOOST_TEST(blobs(db) == 27 + 26);  // until the cleanup
  auto run = c.call("POST", "/admin/cleanup?dry_run=false");
  BOOST_TEST_REQUIRE(run.status == 200u, run.raw.body);
  BOOST_TEST(blobs(db) == 27);
  require_all(c, ids[0], codes);
}

BOOST_AUTO_TEST_SUITE_END()

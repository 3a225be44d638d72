#include "tests/e2e/write_history.hpp"

#include <map>
#include <thread>

#include <boost/test/unit_test.hpp>

namespace memoryd::test {

namespace json = boost::json;

namespace {

/// POSTs `code` as a new version under `key`; the status (0 when the
/// connection failed) and the version number of a 201.
std::pair<unsigned, int64_t> post_version(api_client& c,
                                          const std::string& site_id,
                                          const std::string& key,
                                          const std::string& code) {
  try {
    auto r = c.call("POST", "/api/sessions/sites/" + site_id + "/versions",
                    json::serialize(json::object{{"code", code}}),
                    {{"Idempotency-Key", key}});
    int64_t version = 0;
    if (r.status == 201)
      version = r.object().at("version").as_int64();
    return {r.status, version};
  } catch (const std::exception&) {
    return {0, 0};
  }
}

} // namespace

write_history::write_history(std::string site_id)
  : site_id_(std::move(site_id)) {
  // nop
}

write_history::write write_history::send(api_client& c, const std::string& tag) {
  write w;
  w.key = tag;
  w.code = "<p>" + tag + "</p>";
  auto started = std::chrono::steady_clock::now();
  std::tie(w.status, w.version) = post_version(c, site_id_, w.key, w.code);
  w.took = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - started);
  std::lock_guard guard{mutex_};
  writes_.push_back(w);
  return w;
}

void write_history::settle(api_client& c,
                           std::chrono::steady_clock::time_point deadline) {
  std::lock_guard guard{mutex_};
  for (auto& w : writes_) {
    while (w.status != 201) {
      BOOST_REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline,
                            "write " << w.key << " still fails: " << w.status);
      auto [status, version] = post_version(c, site_id_, w.key, w.code);
      if (status == 201) {
        w.status = status;
        w.version = version;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
      }
    }
  }
}

void write_history::check(api_client& c) const {
  // Every version the site holds, newest first, page by page.
  std::map<int64_t, std::string> stored;  // number -> code
  std::string cursor;
  for (;;) {
    auto page = c.get("/api/sessions/sites/" + site_id_ + "/versions?limit=100"
                      + (cursor.empty() ? "" : "&cursor=" + cursor));
    BOOST_REQUIRE_MESSAGE(page.status == 200, page.raw.body);
    for (const auto& item : page.object().at("items").as_array()) {
      auto n = item.at("version").as_int64();
      auto v = c.get("/api/sessions/sites/" + site_id_ + "/versions/"
                     + std::to_string(n));
      BOOST_REQUIRE_MESSAGE(v.status == 200, v.raw.body);
      stored[n] = std::string{v.object().at("code").as_string()};
    }
    const auto& next = page.object().at("next_cursor");
    if (next.is_null())
      break;
    cursor = std::string{next.as_string()};
  }
  // Gapless from 1 (version 1 came with the site).
  int64_t expected = 1;
  for (const auto& [n, code] : stored)
    BOOST_TEST(n == expected++, "version numbers have a gap before " << n);
  std::map<std::string, int> times_stored;
  for (const auto& [n, code] : stored)
    ++times_stored[code];
  std::lock_guard guard{mutex_};
  std::map<std::string, const write*> sent;
  for (const auto& w : writes_)
    sent[w.code] = &w;
  for (const auto& w : writes_) {
    if (w.status != 201)
      continue;
    auto it = stored.find(w.version);
    BOOST_TEST_REQUIRE((it != stored.end()),
                       "acknowledged write " << w.key << " (version "
                                             << w.version << ") is missing");
    BOOST_TEST(it->second == w.code, "version " << w.version << " holds "
                                                << it->second << ", not "
                                                << w.code);
    BOOST_TEST(times_stored[w.code] == 1, w.key << " stored "
                                                << times_stored[w.code]
                                                << " times");
  }
  for (const auto& [n, code] : stored)
    if (n > 1)
      BOOST_TEST(sent.count(code) == 1u,
                 "version " << n << " holds a write nobody sent: " << code);
}

std::vector<write_history::write> write_history::writes() const {
  std::lock_guard guard{mutex_};
  return writes_;
}

} // namespace memoryd::test

#pragma once

// What the change feed and provenance tests share: requests that name an
// agent (X-Agent-Id), the created resource of an answer, and reading the
// feed page by page.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "tests/e2e/api_client.hpp"

namespace memoryd::test::feed {

namespace json = boost::json;

using headers = std::vector<std::pair<std::string, std::string>>;

/// The agent field `key` of `v`: its text, or "null".
inline std::string agent(const json::value& v, std::string_view key = "agent") {
  const auto& a = v.as_object().at(key);
  return a.is_null() ? "null" : std::string{a.as_string()};
}

inline api_reply send_as(api_client& c, std::string_view method,
                         const std::string& target, const json::value& body,
                         const std::string& agent_id) {
  headers h;
  if (!agent_id.empty())
    h.emplace_back("X-Agent-Id", agent_id);
  return c.call(method, target, body.is_null() ? "" : json::serialize(body),
                std::move(h));
}

inline json::value created(const api_reply& r, const std::string& what) {
  BOOST_TEST_REQUIRE((r.status == 201u || r.status == 200u),
                     what << ": " << r.status << " " << r.raw.body);
  return r.json;
}

/// One page of the feed after `cursor` ("" for from the start).
inline api_reply feed_page(api_client& c, const std::string& cursor,
                           std::size_t limit = 100, int wait = 0) {
  std::string target = "/api/events?limit=" + std::to_string(limit)
                       + "&wait=" + std::to_string(wait);
  if (!cursor.empty())
    target += "&after=" + cursor;
  return c.get(target);
}

/// Every event after `cursor`, read in pages of `limit`, until at least
/// `expected` came (long-polling for the rest, 20 s at most); sets `cursor`
/// to where to resume. Events become readable a moment after their commit
/// on PostgreSQL: while any transaction of the cluster that started before
/// it still runs (another test's, in another database).
inline std::vector<json::object> read_all(api_client& c, std::string& cursor,
                                          std::size_t expected,
                                          std::size_t limit = 3) {
  const auto deadline
    = std::chrono::steady_clock::now() + std::chrono::seconds{20};
  std::vector<json::object> out;
  for (;;) {
    const bool short_of = out.size() < expected;
    auto r = feed_page(c, cursor, limit, short_of ? 1 : 0);
    BOOST_TEST_REQUIRE(r.status == 200u, r.raw.body);
    const auto& items = r.object().at("items").as_array();
    for (const auto& e : items)
      out.push_back(e.as_object());
    cursor = text(r.json, "next_cursor");
    if (items.size() < limit
        && (out.size() >= expected
            || std::chrono::steady_clock::now() > deadline))
      return out;
  }
}

} // namespace memoryd::test::feed

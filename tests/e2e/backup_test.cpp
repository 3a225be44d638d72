// Export and import of whole sessions against the real daemon: round trips,
// and every kind of bad backup refused with the envelope and nothing written.

#include <array>
#include <fstream>
#include <sstream>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "codec/base64.hpp"
#include "codec/gzip.hpp"
#include "storage/database.hpp"
#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"
#include "tests/e2e/expect_error.hpp"

namespace json = boost::json;
using namespace memoryd;
using namespace memoryd::test;

namespace {

api_client client() {
  return api_client{shared_daemon().port()};
}

// -- the database, read directly ---------------------------------------------

constexpr std::array<const char*, 6> tables{
  "sessions", "user_preferences", "sites", "site_versions", "audits",
  "deployments"};

using row_counts = std::array<long long, tables.size()>;

row_counts count_rows(const daemon_process::environment& env) {
  auto sql = storage::open_database(
    storage::parse_database_url(env.at("DATABASE_URL")));
  row_counts counts{};
  for (std::size_t i = 0; i < tables.size(); ++i)
    *sql << "SELECT count(*) FROM " << tables[i], soci::into(counts[i]);
  return counts;
}

// -- building a session through the API --------------------------------------

// Text that exercises escaping and every UTF-8 length.
std::string unicode_code(std::size_t min_bytes) {
  const std::string piece = "<p class=\"x\">Zoë 日本語 🚀 \\ \"quoted\" \t€</p>\n";
  std::string code;
  while (code.size() < min_bytes)
    code += piece;
  return code;
}

json::object post_ok(api_client& c, const std::string& target,
                     const json::value& body) {
  auto r = c.post(target, body);
  BOOST_REQUIRE_MESSAGE(r.status == 201, target << ": " << r.raw.body);
  return r.object();
}

/// A session with three sites: versions (one of 1 MB), audits, deployments.
std::string rich_session(api_client& c) {
  auto session = c.create_session(
    {{"user_id", "ünïcode-user"},
     {"state", {{"step", "review ✓"}, {"nested", {{"list", {1, 2.5, "drei"}}}}}},
     {"preferences", {{"design_style", "brütal"},
                      {"favorite_features", {"blog", "shop"}}}}});
  const std::string id{session.at("session_id").as_string()};
  // A revision above 1, which the import keeps.
  BOOST_REQUIRE(c.put("/api/sessions/" + id, {{"state", {{"step", "final ✓"}}}})
                  .status
                == 200);
  for (int s = 0; s < 3; ++s) {
    json::object body{{"name", "site " + std::to_string(s) + " ☕"},
                      {"code", unicode_code(s == 0 ? 1024 * 1024 : 100)}};
    if (s != 1)
      body["site_type"] = "landing";
    body["requirements"] = {{"pages", {"home", "über"}}, {"depth", s}};
    auto site = post_ok(c, "/api/sessions/" + id + "/sites", body);
    const std::string path =
      "/api/sessions/sites/" + std::string{site.at("site_id").as_string()};
    for (int v = 2; v <= 3 + s; ++v)
      post_ok(c, path + "/versions",
              {{"code", unicode_code(50 * v)}, {"changes", "change " + std::to_string(v)}});
    if (s == 1)
      continue;  // a site without audits or deployments
    post_ok(c, path + "/audits", {{"version", 1}, {"score", 42.5}});
    post_ok(c, path + "/audits",
            {{"version", 2}, {"score", 97}, {"results", {{"lcp_ms", 800}}}});
    post_ok(c, path + "/deployments",
            {{"version", 2}, {"status", "succeeded"}, {"url", "https://ex.com/ü"},
             {"provider", "netlify"}, {"details", {{"region", "eu"}}}});
    post_ok(c, path + "/deployments", {{"version", 3}, {"status", "pending"}});
  }
  return id;
}

// -- documents ---------------------------------------------------------------

json::object export_session(api_client& c, const std::string& id, bool compress,
                            bool include_sites = true) {
  auto r = c.post("/api/sessions/export", {{"session_id", id},
                                           {"compress", compress},
                                           {"include_sites", include_sites}});
  BOOST_REQUIRE_MESSAGE(r.status == 200, r.raw.body.substr(0, 300));
  const auto& body = r.object();
  BOOST_TEST(body.at("session_id").as_string() == id);
  BOOST_TEST(body.at("format").as_string() == "memoryd-session");
  BOOST_TEST(body.at("format_version").as_int64() == 2);
  BOOST_TEST(body.at("compressed").as_bool() == compress);
  return body;
}

/// The export document inside an export answer.
json::value document_of(const json::object& exported) {
  const auto& data = exported.at("data");
  if (!exported.at("compressed").as_bool())
    return data;
  BOOST_REQUIRE(data.is_string());
  auto gzip = codec::base64_decode(data.as_string());
  return json::parse(codec::gunzip_bounded(gzip, std::size_t{1} << 30));
}

/// The document without what an import changes: ids and the timestamps of
/// the export and of the session.
json::value without_identity(json::value v) {
  if (v.is_object()) {
    auto& obj = v.as_object();
    for (const char* key : {"session_id", "site_id", "audit_id", "deployment_id",
                            "exported_at"})
      obj.erase(key);
    if (auto* session = obj.if_contains("session")) {
      session->as_object().erase("created_at");
      session->as_object().erase("updated_at");
    }
    for (auto& [key, child] : obj)
      child = without_identity(child);
  } else if (v.is_array()) {
    for (auto& child : v.as_array())
      child = without_identity(child);
  }
  return v;
}

std::string compressed_data(std::string_view document) {
  return codec::base64_encode(codec::gzip_compress(document));
}

api_reply import_compressed(api_client& c, const std::string& data) {
  return c.post("/api/sessions/import", {{"data", data}, {"compressed", true}});
}

api_reply import_document(api_client& c, const json::value& document) {
  return c.post("/api/sessions/import", {{"data", document}, {"compressed", false}});
}

/// Exports `id`, imports the export, exports the copy, and checks that the
/// two documents are the same but for identity; returns the copy's id.
std::string check_round_trip(api_client& c, const std::string& id, bool compress,
                             int64_t sites, int64_t versions) {
  const auto first = export_session(c, id, compress);
  const auto document = document_of(first);
  BOOST_TEST(document.at("format").as_string() == "memoryd-session");
  BOOST_TEST(document.at("sites").as_array().size() == static_cast<std::size_t>(sites));
  auto imported =
    compress ? import_compressed(c, std::string{first.at("data").as_string()})
             : import_document(c, document);
  BOOST_REQUIRE_MESSAGE(imported.status == 201, imported.raw.body);
  const std::string copy_id{imported.object().at("session_id").as_string()};
  BOOST_TEST(copy_id != id);
  BOOST_TEST(imported.header("Location") == "/api/sessions/" + copy_id);
  BOOST_TEST(imported.object().at("sites").as_int64() == sites);
  BOOST_TEST(imported.object().at("versions").as_int64() == versions);
  const auto again = document_of(export_session(c, copy_id, compress));
  BOOST_TEST(json::serialize(without_identity(again))
             == json::serialize(without_identity(document)));
  return copy_id;
}

/// A small valid document, exported from a session made for it (and then
/// deleted), to be spoiled by the bad-input cases.
json::object small_document() {
  auto c = client();
  auto session = c.create_session({{"state", {{"k", "v"}}}});
  const std::string id{session.at("session_id").as_string()};
  auto site = post_ok(c, "/api/sessions/" + id + "/sites", {{"name", "s"}, {"code", "<p>1</p>"}});
  const std::string path =
    "/api/sessions/sites/" + std::string{site.at("site_id").as_string()};
  post_ok(c, path + "/versions", {{"code", "<p>2</p>"}});
  post_ok(c, path + "/audits", {{"version", 2}, {"score", 50}});
  post_ok(c, path + "/deployments", {{"version", 1}, {"status", "failed"}});
  auto doc = document_of(export_session(c, id, false));
  BOOST_REQUIRE(c.del("/api/sessions/" + id).status == 204);
  return doc.as_object();
}

json::object& first_site(json::object& doc) {
  return doc.at("sites").as_array().at(0).as_object();
}

long long vm_kib(pid_t pid, std::string_view field) {
  std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with(field))
      return std::stoll(line.substr(field.size() + 1));
  throw std::runtime_error("no " + std::string{field} + " in /proc status");
}

} // namespace

BOOST_AUTO_TEST_SUITE(backup)

BOOST_AUTO_TEST_CASE(export_import_export_gives_the_same_document) {
  auto c = client();
  const auto original_id = rich_session(c);
  for (bool compress : {true, false}) {
    BOOST_TEST_CONTEXT("compress " << compress) {
      const auto copy_id = check_round_trip(c, original_id, compress, 3, 3 + 4 + 5);
      // The import made a session of its own: it is served like any other.
      auto got = c.get("/api/sessions/" + copy_id);
      BOOST_TEST(got.status == 200u);
      BOOST_TEST(got.object().at("revision") == 2);
      BOOST_TEST(got.object().at("state").at("step") == "final ✓");
      auto sites = c.get("/api/sessions/" + copy_id + "/sites");
      BOOST_TEST(sites.object().at("items").as_array().size() == 3u);
    }
  }
  // The original is untouched.
  BOOST_TEST(c.get("/api/sessions/" + original_id).object().at("revision") == 2);
}

BOOST_AUTO_TEST_CASE(many_sites_and_versions_round_trip) {
  auto c = client();
  const std::string id{c.create_session().at("session_id").as_string()};
  constexpr int sites = 24;
  constexpr int versions = 6;
  for (int s = 0; s < sites; ++s) {
    auto site = post_ok(c, "/api/sessions/" + id + "/sites",
                        {{"name", "site " + std::to_string(s)},
                         {"code", unicode_code(2000 + s)}});
    const std::string path =
      "/api/sessions/sites/" + std::string{site.at("site_id").as_string()};
    for (int v = 2; v <= versions; ++v)
      post_ok(c, path + "/versions", {{"code", unicode_code(1000 * v + s)}});
    post_ok(c, path + "/audits", {{"version", 1 + s % versions}, {"score", s}});
  }
  check_round_trip(c, id, true, sites, sites * versions);
}

BOOST_AUTO_TEST_CASE(a_session_without_its_sites) {
  auto c = client();
  const auto id = rich_session(c);
  const auto exported = export_session(c, id, true, false);
  const auto doc = document_of(exported);
  BOOST_TEST(!doc.as_object().contains("sites"));
  auto imported = import_compressed(c, std::string{exported.at("data").as_string()});
  BOOST_REQUIRE_MESSAGE(imported.status == 201, imported.raw.body);
  BOOST_TEST(imported.object().at("sites").as_int64() == 0);
  const std::string copy_id{imported.object().at("session_id").as_string()};
  BOOST_TEST(c.get("/api/sessions/" + copy_id + "/sites")
               .object().at("items").as_array().empty());
}

BOOST_AUTO_TEST_CASE(the_same_backup_imports_twice_as_two_sessions) {
  auto c = client();
  const auto doc = small_document();
  auto a = import_document(c, doc);
  auto b = import_document(c, doc);
  BOOST_REQUIRE(a.status == 201u);
  BOOST_REQUIRE(b.status == 201u);
  BOOST_TEST(a.object().at("session_id") != b.object().at("session_id"));
}

BOOST_AUTO_TEST_CASE(bad_export_requests) {
  auto c = client();
  expect_error(c.post("/api/sessions/export",
                      {{"session_id", "6f1c2a3b-0000-4000-8000-000000000000"}}),
               404, "not_found", "unknown session");
  expect_error(c.post("/api/sessions/export", {{"session_id", "nope"}}), 400,
               "validation", "not a UUID");
  expect_error(c.post("/api/sessions/export", json::object{}), 400, "validation",
               "no session_id");
  expect_error(c.post("/api/sessions/export",
                      {{"session_id", "6f1c2a3b-0000-4000-8000-000000000000"},
                       {"compress", "yes"}}),
               400, "validation", "compress not a bool");
  expect_error(c.post("/api/sessions/export",
                      {{"session_id", "6f1c2a3b-0000-4000-8000-000000000000"},
                       {"zip", true}}),
               400, "validation", "unknown field");
  auto get = c.get("/api/sessions/export");
  BOOST_TEST(get.status == 405u);
  BOOST_TEST(get.header("Allow") == "POST");
}

BOOST_AUTO_TEST_CASE(bad_backups_are_refused_and_write_nothing) {
  auto c = client();
  const auto good = small_document();
  const std::string good_text = json::serialize(good);
  const auto good_gzip = codec::gzip_compress(good_text);

  struct bad {
    std::string what;
    std::string body;     // the whole request body
    unsigned status = 400;
    std::string type = "validation";
  };
  auto compressed_body = [](const std::string& data) {
    return json::serialize(json::object{{"data", data}, {"compressed", true}});
  };
  auto document_body = [](const json::value& doc) {
    return json::serialize(json::object{{"data", doc}, {"compressed", false}});
  };
  auto spoiled = [&](auto spoil) {
    json::value doc = good;
    spoil(doc.as_object());
    return doc;
  };
  auto gzip_with = [&](auto change) {
    std::string g = good_gzip;
    change(g);
    return compressed_body(codec::base64_encode(g));
  };

  std::string deep = "1";
  for (std::size_t i = 0; i < test_max_json_depth + 8; ++i)
    deep = "[" + deep + "]";

  std::vector<bad> cases = {
    {"bad base64 characters", compressed_body("@@@@" + codec::base64_encode(good_gzip))},
    {"bad base64 padding", compressed_body(codec::base64_encode(good_gzip) + "=")},
    {"base64 with a line break", compressed_body("H4sI\nAAAA")},
    {"base64 of no gzip", compressed_body(codec::base64_encode(good_text))},
    {"truncated gzip", gzip_with([](std::string& g) { g.resize(g.size() - 12); })},
    {"bad CRC", gzip_with([](std::string& g) { g[g.size() - 6] ^= 0x55; })},
    {"trailing garbage", gzip_with([](std::string& g) { g += "garbage"; })},
    {"gzip of no JSON", compressed_body(compressed_data("not json"))},
    {"wrong format", document_body(spoiled([](json::object& d) { d["format"] = "other"; }))},
    {"format_version 3",
     document_body(spoiled([](json::object& d) { d["format_version"] = 3; }))},
    {"no format_version",
     document_body(spoiled([](json::object& d) { d.erase("format_version"); }))},
    {"no session", document_body(spoiled([](json::object& d) { d.erase("session"); }))},
    {"no session state", document_body(spoiled([](json::object& d) {
       d.at("session").as_object().erase("state");
     }))},
    {"site without name", document_body(spoiled([&](json::object& d) {
       first_site(d).erase("name");
     }))},
    {"version without code", document_body(spoiled([&](json::object& d) {
       first_site(d).at("versions").as_array().at(1).as_object().erase("code");
     }))},
    {"duplicate version number", document_body(spoiled([&](json::object& d) {
       first_site(d).at("versions").as_array().at(1).as_object()["version"] = 1;
     }))},
    {"a gap in the versions", document_body(spoiled([&](json::object& d) {
       first_site(d).at("versions").as_array().at(1).as_object()["version"] = 3;
     }))},
    {"audit of a version not in the document",
     document_body(spoiled([&](json::object& d) {
       first_site(d).at("audits").as_array().at(0).as_object()["version"] = 9;
     }))},
    {"deployment of a version not in the document",
     document_body(spoiled([&](json::object& d) {
       first_site(d).at("deployments").as_array().at(0).as_object()["version"] = 3;
     }))},
    {"code_sha256 not the code's", document_body(spoiled([&](json::object& d) {
       first_site(d).at("versions").as_array().at(0).as_object()["code"] = "<p>X</p>";
     }))},
    {"bad timestamp", document_body(spoiled([&](json::object& d) {
       first_site(d)["created_at"] = "yesterday";
     }))},
    {"unknown field", document_body(spoiled([](json::object& d) { d["extra"] = 1; }))},
    {"exported_at not a timestamp",
     document_body(spoiled([](json::object& d) { d["exported_at"] = 5; }))},
    {"deeper than the limit, uncompressed",
     document_body(spoiled([&](json::object& d) {
       d.at("session").as_object()["state"] = {{"deep", json::parse(deep)}};
     }))},
    {"deeper than the limit, compressed",
     compressed_body(compressed_data(json::serialize(spoiled([&](json::object& d) {
       d.at("session").as_object()["state"] = {{"deep", json::parse(deep)}};
     }))))},
    {"compressed but an object", json::serialize(json::object{{"data", good},
                                                              {"compressed", true}})},
    {"no data", R"({"compressed": true})"},
    // Passes every check of the document, fails in the storage layer on the
    // very last row written: the whole transaction goes.
    {"U+0000 in the last row", document_body(spoiled([&](json::object& d) {
       first_site(d).at("deployments").as_array().back().as_object()["provider"] =
         std::string{"net\0lify", 8};
     }))},
  };
  const auto before = count_rows(shared_backend().env);
  for (const auto& [what, body, status, type] : cases) {
    BOOST_TEST_CONTEXT(what) {
      auto r = c.call("POST", "/api/sessions/import", body);
      expect_error(r, status, type, what);
      BOOST_TEST(count_rows(shared_backend().env) == before,
                 boost::test_tools::per_element());
    }
  }
  // The good document itself passes, in both forms.
  BOOST_TEST(c.call("POST", "/api/sessions/import", document_body(good)).status == 201u);
  BOOST_TEST(c.call("POST", "/api/sessions/import",
                    compressed_body(codec::base64_encode(good_gzip)))
               .status
             == 201u);
}

// A daemon of its own, for a clean peak RSS. Bombs of 1 GiB inflate up to
// the limit and no further: non-JSON content is refused at its first byte,
// valid JSON (white space, a long string) when the limit is passed, either
// by the inflated bytes or by the memory the parser needs.
BOOST_AUTO_TEST_CASE(gzip_bombs_cost_at_most_the_limit) {
  constexpr std::size_t limit = 16 * 1024 * 1024;
  auto env = make_backend().env;
  env["MAX_IMPORT_BYTES"] = std::to_string(limit);
  daemon_process daemon{env};
  api_client c{daemon.port()};

  auto bomb = [](std::string_view prefix, char filler) {
    std::string out;
    codec::gzip_writer writer{[&](std::string_view piece) { out += piece; }, 9};
    writer.write(prefix);
    const std::string block(1024 * 1024, filler);
    for (int i = 0; i < 1024; ++i)
      writer.write(block);
    writer.finish();
    return codec::base64_encode(out);
  };
  struct bomb_case {
    std::string what;
    std::string data;
    unsigned status;
    std::string type;
  };
  std::vector<bomb_case> bombs = {
    {"1 GiB of zeros", bomb("", '\0'), 400, "validation"},
    {"1 GiB of white space", bomb("{", ' '), 413, "payload_too_large"},
    {"a 1 GiB string",
     bomb(R"({"format":"memoryd-session","format_version":1,"session":{"state":{"s":")",
          'a'),
     413, "payload_too_large"},
  };
  const auto before = count_rows(env);
  const long long peak_before = vm_kib(daemon.pid(), "VmHWM:");
  for (const auto& [what, data, status, type] : bombs) {
    BOOST_TEST_CONTEXT(what) {
      BOOST_TEST(data.size() < test_max_body_bytes);
      expect_error(import_compressed(c, data), status, type, what);
      BOOST_TEST(c.get("/healthz").status == 200u);
    }
  }
  const long long growth_kib = vm_kib(daemon.pid(), "VmHWM:") - peak_before;
  BOOST_TEST_MESSAGE("peak RSS growth over the bombs: " << growth_kib << " KiB");
  // The limit, plus the request itself: its body of about 1.4 MB is held a
  // few times over (HTTP buffer, message, parsed JSON, decoded gzip).
  std::size_t largest_body = 0;
  for (const auto& b : bombs)
    largest_body = std::max(largest_body, b.data.size());
  BOOST_TEST(growth_kib * 1024
             < static_cast<long long>(limit + 6 * largest_body));
  BOOST_TEST(count_rows(env) == before, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

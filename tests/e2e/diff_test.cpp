// GET …/versions/{n}/diff against the real daemon, on a real-looking
// history of an HTML page with its CSS and JS (edits, insertions,
// deletions, CRLF, non-ASCII text, a version without a final newline):
// GNU patch turns version m into version n byte for byte with the diff,
// GNU diff --minimal counts the same lines, python3's jsonpatch turns m's
// requirements into n's with the JSON Patch; then the errors, the limits,
// tenants and If-None-Match.

#include <random>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "tests/codec/samples.hpp"
#include "tests/e2e/api_client.hpp"
#include "tests/e2e/backend.hpp"
#include "tests/e2e/expect_error.hpp"
#include "tests/e2e/tenants.hpp"

namespace json = boost::json;
using namespace memoryd::test;

namespace {

/// A page of about `rules` × 120 bytes: CSS, markup with prose in several
/// scripts, and a script, lines numbered so that most are distinct.
std::string page(int rules, std::uint32_t seed) {
  std::mt19937 rng(seed);
  static const char* words[] = {"Grüße", "café",     "日本語",    "emoji 🚀",
                                "naïve", "Ελληνικά", "portfolio", "contact"};
  auto word = [&] { return std::string{words[rng() % std::size(words)]}; };
  std::string out = "<!doctype html>\n<html lang=\"en\">\n<head>\n"
                    "<meta charset=\"utf-8\">\n<style>\n";
  for (int i = 0; i < rules; ++i)
    out += ".block-" + std::to_string(i)
           + " {\n  margin: " + std::to_string(rng() % 40) + "px;\n  color: #"
           + std::to_string(100000 + rng() % 800000) + ";\n}\n";
  out += "</style>\n</head>\n<body>\n";
  for (int i = 0; i < rules; ++i)
    out += "<section class=\"block-" + std::to_string(i) + "\">\n  <h2>"
           + word() + " " + std::to_string(i) + "</h2>\n  <p>" + word() + " "
           + word() + " " + word() + "</p>\n</section>\n";
  out += "<script>\n";
  for (int i = 0; i < rules / 2; ++i)
    out += "function step" + std::to_string(i) + "(x) {\n  return x * "
           + std::to_string(i) + ";\n}\n";
  return out + "</script>\n</body>\n</html>\n";
}

/// `text` with its lines [first, first + count) replaced by `with`.
std::string splice(const std::string& text, std::size_t first,
                   std::size_t count, const std::string& with) {
  std::size_t begin = 0;
  for (std::size_t i = 0; i < first; ++i)
    begin = text.find('\n', begin) + 1;
  std::size_t end = begin;
  for (std::size_t i = 0; i < count; ++i)
    end = text.find('\n', end) + 1;
  return text.substr(0, begin) + with + text.substr(end);
}

struct history {
  api_client c{shared_daemon().port()};
  std::string site_path;
  std::vector<std::string> code{""}; // by version number
  std::vector<json::value> requirements{nullptr};

  explicit history(std::string first, json::value req = nullptr) {
    auto session = std::string{c.create_session().at("session_id").as_string()};
    json::object body{{"name", "Landing"}, {"code", first}};
    if (!req.is_null())
      body["requirements"] = req;
    auto r = c.post("/api/sessions/" + session + "/sites", body);
    BOOST_REQUIRE_MESSAGE(r.status == 201u, r.raw.body);
    site_path = "/api/sessions/sites/"
                + std::string{r.object().at("site_id").as_string()};
    code.push_back(std::move(first));
    requirements.push_back(std::move(req));
  }

  void add(std::string next, json::value req, std::string changes) {
    json::object body{{"code", next}, {"changes", changes}};
    if (!req.is_null())
      body["requirements"] = req;
    auto r = c.post(site_path + "/versions", body);
    BOOST_REQUIRE_MESSAGE(r.status == 201u, r.raw.body);
    BOOST_REQUIRE(r.object().at("version").as_int64()
                  == static_cast<int64_t>(code.size()));
    code.push_back(std::move(next));
    requirements.push_back(std::move(req));
  }

  std::string diff_path(int n, std::string query = {}) const {
    return site_path + "/versions/" + std::to_string(n) + "/diff"
           + (query.empty() ? "" : "?" + query);
  }
};

/// Added and removed lines of a unified diff.
std::pair<int64_t, int64_t> counts(const std::string& text) {
  int64_t added = 0, removed = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    auto end = text.find('\n', pos);
    auto line = std::string_view{text}.substr(pos, end - pos);
    added += line.starts_with("+") && !line.starts_with("+++ ");
    removed += line.starts_with("-") && !line.starts_with("--- ");
    pos = end + 1;
  }
  return {added, removed};
}

struct tools {
  scratch_dir dir;

  std::string patched(const std::string& old_code, const std::string& diff) {
    write_file(dir / "target", old_code);
    write_file(dir / "change.diff", diff);
    BOOST_REQUIRE(shell("patch --quiet --batch -o " + quoted(dir / "out") + " "
                        + quoted(dir / "target") + " < "
                        + quoted(dir / "change.diff"))
                  == 0);
    return read_file(dir / "out");
  }

  std::string gnu_diff(const std::string& a, const std::string& b, int context,
                       const std::string& label_a, const std::string& label_b) {
    write_file(dir / "a", a);
    write_file(dir / "b", b);
    shell("diff --minimal -U" + std::to_string(context) + " --label " + label_a
          + " --label " + label_b + " " + quoted(dir / "a") + " "
          + quoted(dir / "b") + " > " + quoted(dir / "gnu.diff"));
    return read_file(dir / "gnu.diff");
  }

  /// `doc` patched with `ops` by python3's jsonpatch (RFC 6902).
  json::value json_patched(const json::value& doc, const json::value& ops) {
    write_file(dir / "doc.json", json::serialize(doc));
    write_file(dir / "ops.json", json::serialize(ops));
    BOOST_REQUIRE(shell("python3 -c 'import json, jsonpatch, sys; "
                        "doc = json.load(open(sys.argv[1])); "
                        "ops = json.load(open(sys.argv[2])); "
                        "json.dump(jsonpatch.apply_patch(doc, ops), "
                        "open(sys.argv[3], \"w\"))' "
                        + quoted(dir / "doc.json") + " "
                        + quoted(dir / "ops.json") + " "
                        + quoted(dir / "out.json"))
                  == 0);
    return json::parse(read_file(dir / "out.json"));
  }
};

std::string label(char side, const std::string& site_path, int version) {
  return std::string{side} + "/site/"
         + site_path.substr(site_path.rfind('/') + 1) + "/v"
         + std::to_string(version);
}

/// The history the main cases share: seven versions of a 30 to 45 KB page.
history& page_history() {
  static history out{
      page(200, 1), json::object{{"pages", 3}, {"theme", {{"color", "blue"}}}}};
  static bool built = false;
  if (!built) {
    built = true;
    auto v1 = out.code[1];
    // 2: a few lines edited in place, one rule added.
    auto v2 = splice(splice(v1, 12, 1, "  color: #ff0000;\n"), 40, 0,
                     ".new-rule {\n  display: grid;\n}\n");
    out.add(v2,
            json::object{{"pages", 4},
                         {"theme", {{"color", "red"}}},
                         {"a/b", "slash"},
                         {"~t", 1}},
            "edits");
    // 3: a block removed, a block of non-ASCII text inserted elsewhere.
    auto v3 = splice(v2, 300, 25, "");
    v3 = splice(v3, 500, 0,
                "<p>Grüße aus Köln — 日本語のテキスト 🚀</p>\n"
                "<p>Ελληνικά και naïve café</p>\n");
    out.add(v3,
            json::object{{"pages", 4},
                         {"theme", {{"color", "red"}}},
                         {"a/b", "slash"},
                         {"~t", 2},
                         {"list", json::array{1, 2, 3}}},
            "deletions and Unicode");
    // 4: CRLF lines, and no newline at the end.
    auto v4 = splice(v3, 100, 2, "  margin: 0;\r\n  padding: 1em;\r\n");
    v4.pop_back();
    out.add(v4, json::object{{"pages", 4}, {"list", json::array{1, 9, 2, 3}}},
            "windows lines, no final newline");
    // 5: the same code, other requirements (none).
    out.add(v4, nullptr, "requirements only");
    // 6: the final newline is back, a large insertion, the head edited.
    auto v6 = splice(v4 + "\n", 700, 0, page(60, 6));
    v6 = splice(v6, 5, 3,
                "<meta name=\"viewport\" content=\"width=device-width\">\n");
    out.add(v6, json::array{"a", json::object{{"k", nullptr}}}, "rewrite");
    // 7: back to version 1's code.
    out.add(v1, json::object{{"pages", 3}}, "restored by hand");
  }
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(version_diff)

BOOST_AUTO_TEST_CASE(patch_turns_version_m_into_version_n) {
  auto& h = page_history();
  tools t;
  BOOST_TEST(h.code[1].size() > 20000u);
  BOOST_TEST(h.code[6].size() < 60000u);
  const std::pair<int, int> pairs[] = {{1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6},
                                       {6, 7}, {1, 6}, {6, 1}, {2, 2}, {4, 1}};
  for (auto [m, n] : pairs)
    for (int context : {3, 0, 12}) {
      BOOST_TEST_CONTEXT(m << " -> " << n << " context " << context) {
        auto r =
            h.c.get(h.diff_path(n, "against=" + std::to_string(m) + "&context="
                                       + std::to_string(context)));
        BOOST_TEST_REQUIRE(r.status == 200u, r.raw.body.substr(0, 300));
        const auto& d = r.object();
        BOOST_TEST(d.at("from_version").as_int64() == m);
        BOOST_TEST(d.at("to_version").as_int64() == n);
        BOOST_TEST(d.at("context").as_int64() == context);
        const auto& code = d.at("code").as_object();
        auto text = std::string{code.at("unified_diff").as_string()};
        if (h.code[m] == h.code[n]) {
          BOOST_TEST(text.empty());
          BOOST_TEST(code.at("hunks").as_int64() == 0);
        } else {
          BOOST_TEST(text.starts_with("--- " + label('a', h.site_path, m)
                                      + "\n+++ " + label('b', h.site_path, n)
                                      + "\n@@ -"));
          BOOST_TEST(t.patched(h.code[m], text) == h.code[n]);
        }
        auto [added, removed] = counts(text);
        BOOST_TEST(code.at("lines_added").as_int64() == added);
        BOOST_TEST(code.at("lines_removed").as_int64() == removed);
        auto gnu =
            t.gnu_diff(h.code[m], h.code[n], context,
                       label('a', h.site_path, m), label('b', h.site_path, n));
        BOOST_TEST((counts(gnu) == std::make_pair(added, removed)));
        // Deterministic: the same request, the same bytes.
        BOOST_TEST(
            h.c.get(h.diff_path(n, "against=" + std::to_string(m)
                                       + "&context=" + std::to_string(context)))
                .raw.body
            == r.raw.body);
      }
    }
}

BOOST_AUTO_TEST_CASE(an_unambiguous_edit_is_gnu_diff_byte_for_byte) {
  std::string v1;
  for (int i = 0; i < 2000; ++i)
    v1 += "<li id=\"item-" + std::to_string(i) + "\">Eintrag "
          + std::to_string(i) + " — ✓</li>\n";
  history h{v1};
  auto v2 = splice(splice(splice(v1, 1500, 3, "<li>neu</li>\r\n"), 700, 0,
                          "<li>inserted 日本</li>\n"),
                   10, 1, "");
  v2.pop_back();
  h.add(v2, nullptr, "edit");
  tools t;
  for (int context : {0, 1, 3, 7}) {
    auto r = h.c.get(h.diff_path(2, "context=" + std::to_string(context)));
    BOOST_TEST_REQUIRE(r.status == 200u);
    auto ours =
        std::string{r.object().at("code").at("unified_diff").as_string()};
    BOOST_TEST(ours
               == t.gnu_diff(v1, v2, context, label('a', h.site_path, 1),
                             label('b', h.site_path, 2)));
    // Four places changed, far enough apart for four hunks at any of these.
    BOOST_TEST(r.object().at("code").at("hunks").as_int64() == 4);
  }
}

BOOST_AUTO_TEST_CASE(the_raw_patch_for_tools) {
  auto& h = page_history();
  tools t;
  auto json_answer = h.c.get(h.diff_path(3));
  BOOST_TEST_REQUIRE(json_answer.status == 200u);
  auto text = std::string{
      json_answer.object().at("code").at("unified_diff").as_string()};
  for (auto* how : {"format", "accept"}) {
    BOOST_TEST_CONTEXT(how) {
      auto r = std::string{how} == "format"
                   ? h.c.get(h.diff_path(3, "format=patch"))
                   : h.c.call("GET", h.diff_path(3), {},
                              {{"Accept", "text/x-diff"}});
      BOOST_TEST_REQUIRE(r.status == 200u);
      BOOST_TEST(r.header("Content-Type").starts_with("text/x-diff"));
      BOOST_TEST(r.header("Cache-Control").find("immutable")
                 != std::string::npos);
      BOOST_TEST(r.header("Vary") == "Accept");
      BOOST_TEST(r.raw.body == text);
      BOOST_TEST(t.patched(h.code[2], r.raw.body) == h.code[3]);
    }
  }
  // ?format wins over Accept.
  auto r = h.c.call("GET", h.diff_path(3, "format=json"), {},
                    {{"Accept", "text/x-diff"}});
  BOOST_TEST(r.header("Content-Type") == "application/json");
}

BOOST_AUTO_TEST_CASE(the_json_patch_turns_m_requirements_into_n) {
  auto& h = page_history();
  tools t;
  for (int n = 2; n < static_cast<int>(h.code.size()); ++n)
    for (int m : {n - 1, 1}) {
      BOOST_TEST_CONTEXT(m << " -> " << n) {
        auto r = h.c.get(h.diff_path(n, "against=" + std::to_string(m)));
        BOOST_TEST_REQUIRE(r.status == 200u);
        const auto& ops = r.object().at("requirements_patch");
        BOOST_TEST(ops.as_array().empty()
                   == (h.requirements[m] == h.requirements[n]));
        BOOST_TEST(t.json_patched(h.requirements[m], ops) == h.requirements[n]);
      }
    }
  // Keys with "/" and "~" are escaped (RFC 6901).
  auto r = h.c.get(h.diff_path(2));
  auto ops = json::serialize(r.object().at("requirements_patch"));
  BOOST_TEST(ops.find("\"/a~1b\"") != std::string::npos, ops);
  BOOST_TEST(ops.find("\"/~0t\"") != std::string::npos, ops);
}

BOOST_AUTO_TEST_CASE(the_metadata_that_differs) {
  auto& h = page_history();
  auto r = h.c.get(h.diff_path(5)); // 4 -> 5: the same code
  BOOST_TEST_REQUIRE(r.status == 200u);
  const auto& meta = r.object().at("metadata").as_object();
  BOOST_TEST(meta.at("changes").at("from").as_string()
             == "windows lines, no final newline");
  BOOST_TEST(meta.at("changes").at("to").as_string() == "requirements only");
  BOOST_TEST(!meta.contains("code_size"));
  BOOST_TEST(!meta.contains("code_sha256"));
  BOOST_TEST(!meta.contains("version"));
  BOOST_TEST(r.object().at("code").at("unified_diff").as_string().empty());
  auto other = h.c.get(h.diff_path(6)).object().at("metadata").as_object();
  BOOST_TEST(other.at("code_size").at("from").as_int64()
             == static_cast<int64_t>(h.code[5].size()));
  BOOST_TEST(other.at("code_size").at("to").as_int64()
             == static_cast<int64_t>(h.code[6].size()));
  BOOST_TEST(other.contains("code_sha256"));
}

BOOST_AUTO_TEST_CASE(if_none_match_is_304_until_an_audit_changes_the_json) {
  auto& h = page_history();
  auto first = h.c.get(h.diff_path(4, "against=2"));
  BOOST_TEST_REQUIRE(first.status == 200u);
  const auto tag = first.header("ETag");
  BOOST_TEST(tag.size() > 2u);
  BOOST_TEST(first.header("Cache-Control") == "private, no-cache");
  auto again = h.c.call("GET", h.diff_path(4, "against=2"), {},
                        {{"If-None-Match", tag}});
  BOOST_TEST(again.status == 304u);
  BOOST_TEST(again.raw.body.empty());
  BOOST_TEST(again.header("ETag") == tag);
  // Another context is another answer.
  auto wider = h.c.call("GET", h.diff_path(4, "against=2&context=5"), {},
                        {{"If-None-Match", tag}});
  BOOST_TEST(wider.status == 200u);
  BOOST_TEST(wider.header("ETag") != tag);
  auto patch = h.c.get(h.diff_path(4, "against=2&format=patch"));
  const auto patch_tag = patch.header("ETag");
  BOOST_TEST(patch_tag != tag);
  // An audit of version 4 changes its audit_score: the JSON shows it, the
  // patch does not.
  BOOST_REQUIRE(
      h.c.post(h.site_path + "/audits", {{"version", 4}, {"score", 87.5}})
          .status
      == 201u);
  auto audited = h.c.call("GET", h.diff_path(4, "against=2"), {},
                          {{"If-None-Match", tag}});
  BOOST_TEST(audited.status == 200u);
  BOOST_TEST(
      audited.object().at("metadata").at("audit_score").at("to").as_double()
      == 87.5);
  BOOST_TEST(h.c.call("GET", h.diff_path(4, "against=2&format=patch"), {},
                      {{"If-None-Match", patch_tag}})
                 .status
             == 304u);
}

BOOST_AUTO_TEST_CASE(bad_requests_and_missing_versions) {
  auto& h = page_history();
  for (const auto* query :
       {"against=0", "against=x", "against=-1", "against=", "context=-1",
        "context=1001", "context=3.5", "format=xml"})
    BOOST_TEST_CONTEXT(query) {
      expect_error(h.c.get(h.diff_path(3, query)), 400, "validation", query);
    }
  expect_error(h.c.get(h.diff_path(1)), 400, "validation", "v1 has no v0");
  expect_error(h.c.get(h.site_path + "/versions/x/diff"), 400, "validation",
               "version x");
  BOOST_TEST(h.c.get(h.diff_path(1, "against=2")).status == 200u);
  BOOST_TEST(h.c.get(h.diff_path(1, "context=1000&against=1")).status == 200u);
  expect_error(h.c.get(h.diff_path(99)), 404, "not_found", "no version 99");
  expect_error(h.c.get(h.diff_path(2, "against=99")), 404, "not_found",
               "no version 99 to compare with");
  expect_error(h.c.get("/api/sessions/sites/00000000-0000-4000-8000-"
                       "000000000000/versions/2/diff"),
               404, "not_found", "no site");
  expect_error(h.c.call("POST", h.diff_path(2)), 405, "validation", "POST");
}

BOOST_AUTO_TEST_CASE(past_the_limits_the_answer_is_413) {
  // 6,000 lines each, none shared: 12,000 edits, more than 10,000.
  std::string a, b;
  for (int i = 0; i < 6000; ++i) {
    a += "a" + std::to_string(i) + "\n";
    b += "b" + std::to_string(i) + "\n";
  }
  history h{a};
  h.add(b, nullptr, "all new");
  auto r = h.c.get(h.diff_path(2));
  expect_error(r, 413, "payload_too_large", "too many edits");
  BOOST_TEST(r.object().at("error").at("message").as_string().find("10000")
             != std::string::npos);
  // Within the limits: one edit.
  h.add(a + "tail\n", nullptr, "back");
  BOOST_TEST(h.c.get(h.diff_path(3, "against=1")).status == 200u);
  // More lines than a diff compares.
  h.add(std::string(200001, '\n'), nullptr, "lines");
  expect_error(h.c.get(h.diff_path(4, "against=1")), 413, "payload_too_large",
               "too many lines");
}

BOOST_AUTO_TEST_CASE(another_tenants_site_is_404) {
  tenant_daemon d;
  auto acme = d.as(d.acme);
  auto zeta = d.as(d.zeta);
  auto session =
      std::string{acme.create_session().at("session_id").as_string()};
  auto created = acme.post("/api/sessions/" + session + "/sites",
                           {{"name", "Mine"}, {"code", "a\n"}});
  BOOST_REQUIRE(created.status == 201u);
  auto path = "/api/sessions/sites/"
              + std::string{created.object().at("site_id").as_string()};
  BOOST_REQUIRE(acme.post(path + "/versions", {{"code", "b\n"}}).status
                == 201u);
  auto mine = acme.get(path + "/versions/2/diff");
  BOOST_TEST(mine.status == 200u);
  BOOST_TEST(mine.object().at("code").at("unified_diff").as_string()
             == "--- a/site/" + path.substr(path.rfind('/') + 1)
                    + "/v1\n+++ b/site/" + path.substr(path.rfind('/') + 1)
                    + "/v2\n@@ -1 +1 @@\n-a\n+b\n");
  expect_error(zeta.get(path + "/versions/2/diff"), 404, "not_found",
               "another tenant");
  expect_error(
      zeta.call("GET", path + "/versions/2/diff", {}, {{"If-None-Match", "*"}}),
      404, "not_found", "another tenant, any tag");
}

BOOST_AUTO_TEST_SUITE_END()

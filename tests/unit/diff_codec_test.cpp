// The diff answer without the daemon: the metadata that differs (whatever
// fields a version has), the ETag (stable, and different for another
// format, context or version), If-None-Match answered before any diff is
// computed, and the limits as payload_too_large.

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "actors/diff_codec.hpp"
#include "actors/errors.hpp"

using namespace memoryd;
namespace json = boost::json;

namespace {

std::string version(int n, std::string code, json::value requirements,
                    std::string changes) {
  json::object v{{"site_id", "s"},
                 {"version", n},
                 {"changes", changes},
                 {"requirements", requirements},
                 {"audit_score", nullptr},
                 {"restored_from", nullptr},
                 {"code_size", code.size()},
                 {"code_sha256", "h" + code},
                 {"created_at", "2026-12-04T00:00:0" + std::to_string(n) + "Z"},
                 {"code", code}};
  return json::serialize(v);
}

diff_job job_of(std::string from, std::string to) {
  diff_job job;
  job.site_id = "s";
  job.old_version = std::move(from);
  job.new_version = std::move(to);
  return job;
}

} // namespace

BOOST_AUTO_TEST_SUITE(diff_codec)

BOOST_AUTO_TEST_CASE(the_answer_holds_code_requirements_and_metadata) {
  auto job = job_of(version(1, "a\nb\n", json::object{{"x", 1}}, "one"),
                    version(2, "a\nc\n", nullptr, "two"));
  auto answer = answer_diff(job, {});
  BOOST_TEST(!answer.not_modified);
  auto doc = json::parse(answer.body).as_object();
  BOOST_TEST(doc.at("from_version").as_int64() == 1);
  BOOST_TEST(doc.at("to_version").as_int64() == 2);
  BOOST_TEST(
      doc.at("code").at("unified_diff").as_string()
      == "--- a/site/s/v1\n+++ b/site/s/v2\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n");
  BOOST_TEST(doc.at("code").at("hunks").as_int64() == 1);
  BOOST_TEST(json::serialize(doc.at("requirements_patch"))
             == R"([{"op":"replace","path":"","value":null}])");
  const auto& meta = doc.at("metadata").as_object();
  BOOST_TEST(meta.at("changes").at("from").as_string() == "one");
  BOOST_TEST(meta.at("code_sha256").at("to").as_string() == "ha\nc\n");
  BOOST_TEST(meta.contains("created_at"));
  BOOST_TEST(!meta.contains("code_size"));     // 4 bytes both
  BOOST_TEST(!meta.contains("restored_from")); // null both
  BOOST_TEST(!meta.contains("version"));
  BOOST_TEST(!meta.contains("code"));
}

BOOST_AUTO_TEST_CASE(the_etag_is_stable_and_tells_answers_apart) {
  auto job =
      job_of(version(1, "a\n", nullptr, "x"), version(2, "b\n", nullptr, "y"));
  const auto tag = answer_diff(job, {}).etag;
  BOOST_TEST(answer_diff(job, {}).etag == tag);
  BOOST_TEST(tag.front() == '"');
  auto wider = job;
  wider.context = 5;
  BOOST_TEST(answer_diff(wider, {}).etag != tag);
  auto patch = job;
  patch.patch_only = true;
  BOOST_TEST(answer_diff(patch, {}).etag != tag);
  BOOST_TEST(answer_diff(patch, {}).body
             == "--- a/site/s/v1\n+++ b/site/s/v2\n@@ -1 +1 @@\n-a\n+b\n");
  // The patch shows only the code: other metadata leaves its ETag alone.
  auto other = job_of(version(1, "a\n", json::object{}, "z"),
                      version(2, "b\n", nullptr, "y"));
  other.patch_only = true;
  BOOST_TEST(answer_diff(other, {}).etag == answer_diff(patch, {}).etag);
  other.patch_only = false;
  BOOST_TEST(answer_diff(other, {}).etag != tag);
}

BOOST_AUTO_TEST_CASE(a_matching_if_none_match_skips_the_diff) {
  // Past the edit limit, yet the ETag alone answers.
  auto job = job_of(version(1, "a\nb\n", nullptr, "x"),
                    version(2, "c\nd\n", nullptr, "y"));
  diff::limits tight{10, 1, 1000};
  BOOST_CHECK_THROW(answer_diff(job, tight), request_error);
  job.if_none_match = answer_diff(job, {}).etag;
  auto answer = answer_diff(job, tight);
  BOOST_TEST(answer.not_modified);
  BOOST_TEST(answer.body.empty());
  job.if_none_match = "\"other\"";
  try {
    answer_diff(job, tight);
    BOOST_FAIL("the edit limit did not hold");
  } catch (const request_error& e) {
    BOOST_TEST((e.type == error_type::payload_too_large));
    BOOST_TEST(std::string{e.what()}.find("more than 1 lines")
               != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()

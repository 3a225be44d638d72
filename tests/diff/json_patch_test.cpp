// JSON Patch: the operations for typical changes, JSON Pointer escaping,
// and random pairs of documents, each patch applied by the small RFC 6902
// applier below and compared with its target.

#include <random>
#include <string>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "diff/json_patch.hpp"

using namespace memoryd::diff;
namespace json = boost::json;

namespace {

/// RFC 6901: the tokens of a pointer, unescaped.
std::vector<std::string> tokens(const std::string& pointer) {
  std::vector<std::string> out;
  std::size_t pos = 1;
  while (pos <= pointer.size() && !pointer.empty()) {
    auto end = pointer.find('/', pos);
    auto raw = pointer.substr(pos, end - pos);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~') {
        token += raw.at(i + 1) == '0' ? '~' : '/';
        ++i;
      } else {
        token += raw[i];
      }
    }
    out.push_back(token);
    if (end == std::string::npos)
      break;
    pos = end + 1;
  }
  return out;
}

/// add, remove and replace of RFC 6902 (what json_patch emits).
json::value apply(json::value doc, const json::array& ops) {
  for (const auto& v : ops) {
    const auto& op = v.as_object();
    auto kind = std::string{op.at("op").as_string()};
    auto path = tokens(std::string{op.at("path").as_string()});
    if (path.empty()) {
      BOOST_REQUIRE(kind == "replace");
      doc = op.at("value");
      continue;
    }
    json::value* parent = &doc;
    for (std::size_t i = 0; i + 1 < path.size(); ++i)
      parent = parent->is_object()
                   ? &parent->as_object().at(path[i])
                   : &parent->as_array().at(std::stoul(path[i]));
    const auto& last = path.back();
    if (parent->is_object()) {
      auto& o = parent->as_object();
      if (kind == "remove")
        BOOST_REQUIRE(o.erase(last) == 1u);
      else if (kind == "add")
        o[last] = op.at("value");
      else
        o.at(last) = op.at("value");
    } else {
      auto& a = parent->as_array();
      auto i = last == "-" ? a.size() : std::stoul(last);
      if (kind == "remove")
        a.erase(a.begin() + static_cast<long>(i));
      else if (kind == "add")
        a.insert(a.begin() + static_cast<long>(i), op.at("value"));
      else
        a.at(i) = op.at("value");
    }
  }
  return doc;
}

json::value random_value(std::mt19937& rng, int depth) {
  static const char* keys[] = {"a", "b", "a/b", "~x", "é", "", "c~1"};
  switch (depth <= 0 ? rng() % 4 : rng() % 6) {
  case 0:
    return nullptr;
  case 1:
    return static_cast<int64_t>(rng() % 4);
  case 2:
    return json::string{keys[rng() % std::size(keys)]};
  case 3:
    return rng() % 2 == 0;
  case 4: {
    json::array a;
    for (auto n = rng() % 5; n > 0; --n)
      a.push_back(random_value(rng, depth - 1));
    return a;
  }
  default: {
    json::object o;
    for (auto n = rng() % 5; n > 0; --n)
      o[keys[rng() % std::size(keys)]] = random_value(rng, depth - 1);
    return o;
  }
  }
}

json::array patch_of(std::string_view from, std::string_view to) {
  return json_patch(json::parse(from), json::parse(to));
}

} // namespace

BOOST_AUTO_TEST_SUITE(json_patch_suite)

BOOST_AUTO_TEST_CASE(equal_documents_need_no_operation) {
  BOOST_TEST(
      patch_of(R"({"a":[1,{"b":null}]})", R"({"a":[1,{"b":null}]})").empty());
  BOOST_TEST(patch_of("null", "null").empty());
}

BOOST_AUTO_TEST_CASE(objects_are_compared_key_by_key) {
  auto ops = patch_of(R"({"keep":1,"gone":2,"deep":{"x":1,"y":2}})",
                      R"({"keep":1,"deep":{"x":1,"y":3},"new":[true]})");
  BOOST_TEST(json::serialize(ops)
             == R"([{"op":"remove","path":"/gone"},)"
                R"({"op":"replace","path":"/deep/y","value":3},)"
                R"({"op":"add","path":"/new","value":[true]}])");
}

BOOST_AUTO_TEST_CASE(keys_are_escaped_as_json_pointer_tokens) {
  BOOST_TEST(pointer_token("a/b~c") == "a~1b~0c");
  BOOST_TEST(pointer_token("~1") == "~01");
  BOOST_TEST(pointer_token("") == "");
  auto ops = patch_of(R"({"a/b":1,"m~n":{"":1}})", R"({"a/b":2,"m~n":{"":2}})");
  BOOST_TEST(json::serialize(ops)
             == R"([{"op":"replace","path":"/a~1b","value":2},)"
                R"({"op":"replace","path":"/m~0n/","value":2}])");
}

BOOST_AUTO_TEST_CASE(arrays_keep_their_common_head_and_tail) {
  BOOST_TEST(json::serialize(patch_of("[1,2,3,4]", "[1,2,9,3,4]"))
             == R"([{"op":"add","path":"/2","value":9}])");
  BOOST_TEST(json::serialize(patch_of("[1,2,3,4]", "[1,4]"))
             == R"([{"op":"remove","path":"/1"},{"op":"remove","path":"/1"}])");
  BOOST_TEST(json::serialize(patch_of(R"([{"a":1},2])", R"([{"a":2},2])"))
             == R"([{"op":"replace","path":"/0/a","value":2}])");
}

BOOST_AUTO_TEST_CASE(null_and_other_types_are_replaced_whole) {
  BOOST_TEST(json::serialize(patch_of("null", R"({"a":1})"))
             == R"([{"op":"replace","path":"","value":{"a":1}}])");
  BOOST_TEST(json::serialize(patch_of(R"({"a":1})", "null"))
             == R"([{"op":"replace","path":"","value":null}])");
  BOOST_TEST(json::serialize(patch_of(R"({"a":[1]})", R"({"a":{"0":1}})"))
             == R"([{"op":"replace","path":"/a","value":{"0":1}}])");
}

BOOST_AUTO_TEST_CASE(random_patches_reach_their_target) {
  std::mt19937 rng(99);
  for (int round = 0; round < 2000; ++round) {
    auto from = random_value(rng, 4);
    auto to = rng() % 4 == 0 ? from : random_value(rng, 4);
    auto ops = json_patch(from, to);
    BOOST_TEST(apply(from, ops) == to,
               "round " << round << ": " << json::serialize(from) << " -> "
                        << json::serialize(to) << " by "
                        << json::serialize(ops));
  }
}

BOOST_AUTO_TEST_SUITE_END()

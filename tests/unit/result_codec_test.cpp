// The results a write key keeps: round trips, and a layout fingerprint that
// tells results written by a memoryd with other result types apart.

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "actors/interfaces.hpp"
#include "actors/record_inspection.hpp"
#include "actors/result_codec.hpp"

using namespace memoryd;

namespace {

// Two layouts that differ only inside a vector's element type.
struct item_v1 {
  std::string name;
};
struct item_v2 {
  std::string name;
  int64_t added = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, item_v1& x) {
  return f(caf::meta::type_name("item"), x.name);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, item_v2& x) {
  return f(caf::meta::type_name("item"), x.name, x.added);
}
template <class Item>
struct holder {
  std::vector<Item> items;
};
template <class Inspector, class Item>
typename Inspector::result_type inspect(Inspector& f, holder<Item>& x) {
  return f(caf::meta::type_name("holder"), x.items);
}

} // namespace

BOOST_AUTO_TEST_SUITE(result_codec)

BOOST_AUTO_TEST_CASE(a_site_write_round_trips) {
  site_write w;
  storage::version_record v;
  v.site_id = "ac5c5395-a6d9-488f-afde-1eb50b87a07a";
  v.version = 7;
  v.restored_from = 2;
  v.changes = "Restored from version 2";
  v.has_changes = true;
  w.versions.push_back(v);
  w.revision = 9;
  auto text = encode_result(w);
  BOOST_TEST(text.substr(0, 17) == result_layout<site_write>() + ":");
  auto back = decode_result<site_write>(text);
  BOOST_TEST_REQUIRE(back.versions.size() == 1u);
  BOOST_TEST(back.versions[0].restored_from == 2);
  BOOST_TEST(back.versions[0].changes == "Restored from version 2");
  BOOST_TEST(back.revision == 9);
}

BOOST_AUTO_TEST_CASE(a_field_added_inside_a_vector_changes_the_layout) {
  BOOST_TEST(result_layout<holder<item_v1>>()
             != result_layout<holder<item_v2>>());
  BOOST_TEST(result_layout<holder<item_v1>>()
             == result_layout<holder<item_v1>>());
  BOOST_TEST(result_layout<site_write>()
             != result_layout<committed<storage::session_record>>());
  holder<item_v1> old;
  old.items.push_back({"a"});
  auto text = encode_result(old);
  BOOST_CHECK_THROW(decode_result<holder<item_v2>>(text),
                    result_layout_mismatch);
}

BOOST_AUTO_TEST_CASE(a_result_stored_before_fingerprints_is_a_mismatch) {
  // What memoryd wrote before: the base64 text alone.
  auto text = encode_result(std::vector<std::string>{"x"});
  auto bare = text.substr(text.find(':') + 1);
  BOOST_CHECK_THROW(decode_result<std::vector<std::string>>(bare),
                    result_layout_mismatch);
  BOOST_TEST(decode_result<std::vector<std::string>>(text)
             == std::vector<std::string>{"x"});
}

BOOST_AUTO_TEST_SUITE_END()

#include <future>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>

#include "storage/errors.hpp"
#include "storage/idempotency_repository.hpp"
#include "storage/transaction.hpp"
#include "tests/storage/fixture.hpp"

using namespace memoryd::storage;
using namespace memoryd::storage::test;

namespace {

constexpr const char* now = "2026-11-24T02:00:00.000000Z";

write_key client_key(std::string key, std::string tenant = "acme") {
  return {std::move(tenant), true, std::move(key), "versions_create", "f00d", ""};
}

long long key_rows(soci::session& sql) {
  long long n = 0;
  sql << "SELECT count(*) FROM idempotency_keys", soci::into(n);
  return n;
}

} // namespace

BOOST_AUTO_TEST_SUITE(idempotency_repository_cases)

// The first claim goes on; once committed, a repeat finds its result.
STORAGE_TEST_CASE(a_committed_claim_is_found_by_its_repeat) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  const auto k = client_key("k1");
  {
    write_transaction tx{sql};
    idempotency_repository keys{sql};
    BOOST_TEST(!keys.claim(k, now).has_value());
    keys.complete(k, "result-1");
    tx.commit();
  }
  write_transaction tx{sql};
  auto prior = idempotency_repository{sql}.claim(k, now);
  BOOST_TEST_REQUIRE(prior.has_value());
  BOOST_TEST(prior->result == "result-1");
  BOOST_TEST(prior->operation == "versions_create");
  BOOST_TEST(prior->request_sha256 == "f00d");
}

// A claim rolled back with its write leaves nothing: the key is free again.
STORAGE_TEST_CASE(a_rolled_back_claim_leaves_no_key) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  const auto k = client_key("k1");
  {
    write_transaction tx{sql};
    BOOST_TEST(!idempotency_repository{sql}.claim(k, now).has_value());
  }
  BOOST_TEST(key_rows(sql) == 0);
  write_transaction tx{sql};
  BOOST_TEST(!idempotency_repository{sql}.claim(k, now).has_value());
}

// Keys are per tenant, and the daemon's keys never meet a client's.
STORAGE_TEST_CASE(keys_are_scoped_by_tenant_and_maker) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  write_transaction tx{sql};
  idempotency_repository keys{sql};
  BOOST_TEST(!keys.claim(client_key("k", "acme"), now).has_value());
  BOOST_TEST(!keys.claim(client_key("k", "zeta"), now).has_value());
  auto daemon = client_key("k", "acme");
  daemon.from_client = false;
  BOOST_CHECK_NO_THROW(keys.record(daemon, "r", now));
  BOOST_CHECK_THROW(keys.record(daemon, "r", now), conflict);
  BOOST_TEST(keys.find(daemon)->result == "r");
  BOOST_TEST(key_rows(sql) == 3);
}

// Two connections claim one key at once (two daemons): the second waits for
// the first to commit, then finds its result, never a claim of its own.
BOOST_AUTO_TEST_CASE(a_concurrent_claim_waits_for_the_first) {
  auto db = fresh_database("postgresql");
  auto other = db.connect();
  const auto k = client_key("race");
  write_transaction first{*db.sql};
  BOOST_TEST(!idempotency_repository{*db.sql}.claim(k, now).has_value());
  auto second = std::async(std::launch::async, [&] {
    write_transaction tx{*other};
    return idempotency_repository{*other}.claim(k, now);
  });
  const bool still_waiting = second.wait_for(std::chrono::milliseconds{300})
                             == std::future_status::timeout;
  BOOST_TEST(still_waiting);
  idempotency_repository{*db.sql}.complete(k, "first");
  first.commit();
  auto found = second.get();
  BOOST_TEST_REQUIRE(found.has_value());
  BOOST_TEST(found->result == "first");
}

STORAGE_TEST_CASE(old_keys_are_deleted_in_batches) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  idempotency_repository keys{sql};
  for (int i = 0; i < 5; ++i) {
    auto k = client_key("old-" + std::to_string(i));
    k.from_client = false;
    keys.record(k, "r", "2026-11-20T00:00:00.000000Z");
  }
  auto young = client_key("young");
  young.from_client = false;
  keys.record(young, "r", "2026-11-24T00:00:00.000000Z");
  BOOST_TEST(keys.delete_older_than("2026-11-23T00:00:00.000000Z", 3) == 3u);
  BOOST_TEST(keys.delete_older_than("2026-11-23T00:00:00.000000Z", 3) == 2u);
  BOOST_TEST(keys.delete_older_than("2026-11-23T00:00:00.000000Z", 3) == 0u);
  BOOST_TEST(keys.find(young).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

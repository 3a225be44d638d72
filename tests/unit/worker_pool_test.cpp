// How a pool picks its worker: the least loaded, ties going round, or, for
// a request with an affinity (a site's), the worker it names unless another
// has fewer requests pending; and refused once every worker is full.

#include <memory>
#include <set>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "actors/probed.hpp"

using namespace memoryd;

namespace {

// Workers whose handles are their indexes: the pool only reads probes.
struct pool_of {
  explicit pool_of(std::size_t n, int64_t queue_limit = 0) {
    std::vector<probed<int>> workers;
    for (std::size_t i = 0; i < n; ++i)
      workers.push_back(
        {static_cast<int>(i),
         std::make_shared<telemetry::actor_probe>(
           "w" + std::to_string(i), "w", telemetry::actor_kind::detached)});
    pool = std::make_unique<worker_pool<int>>(std::move(workers), queue_limit,
                                              -1);
  }

  void load(int worker, int requests) {
    for (int i = 0; i < requests; ++i)
      pool->workers()[static_cast<std::size_t>(worker)].probe->enqueued(0);
  }

  std::unique_ptr<worker_pool<int>> pool;
};

} // namespace

BOOST_AUTO_TEST_SUITE(worker_pools)

BOOST_AUTO_TEST_CASE(idle_workers_take_turns) {
  pool_of p{4};
  std::set<int> picked;
  for (int i = 0; i < 4; ++i)
    picked.insert(p.pool->admit()->handle);
  BOOST_TEST(picked.size() == 4u);
}

BOOST_AUTO_TEST_CASE(an_affinity_keeps_to_its_worker_while_it_is_no_busier) {
  pool_of p{4};
  for (int i = 0; i < 5; ++i)
    BOOST_TEST(p.pool->admit(affinity{6})->handle == 2);
  // Busy with one request while the others are idle: an idle one takes it.
  p.load(2, 1);
  BOOST_TEST(p.pool->admit(affinity{6})->handle != 2);
  // All as busy: back to its own.
  p.load(0, 1);
  p.load(1, 1);
  p.load(3, 1);
  BOOST_TEST(p.pool->admit(affinity{6})->handle == 2);
}

BOOST_AUTO_TEST_CASE(a_full_pool_admits_nobody_with_or_without_affinity) {
  pool_of p{2, 1};
  p.load(0, 1);
  BOOST_TEST(p.pool->admit(affinity{0})->handle == 1);
  p.load(1, 1);
  BOOST_TEST(p.pool->admit() == nullptr);
  BOOST_TEST(p.pool->admit(affinity{1}) == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()

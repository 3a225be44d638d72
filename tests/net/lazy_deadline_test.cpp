// lazy_deadline: fires once when the deadline it was last given has passed,
// however often and whichever way that deadline moved, and never after
// cancel(); a pending wait keeps its owner alive.

#include <boost/test/unit_test.hpp>

#include <memory>
#include <vector>

#include "net/lazy_deadline.hpp"

namespace memoryd::net {

namespace {

using namespace std::chrono_literals;
using clock = lazy_deadline::clock;

struct owner : std::enable_shared_from_this<owner> {
  explicit owner(boost::asio::io_context& io) : deadline(io.get_executor()) {
    // nop
  }

  void expire_at(clock::time_point at) {
    deadline.expire_at(at, shared_from_this(), &owner::on_deadline);
  }

  void on_deadline() {
    fired.push_back(clock::now());
  }

  lazy_deadline deadline;
  std::vector<clock::time_point> fired;
};

} // namespace

BOOST_AUTO_TEST_SUITE(lazy_deadline_suite)

BOOST_AUTO_TEST_CASE(a_deadline_moved_later_fires_once_at_the_later_time) {
  boost::asio::io_context io{1};
  auto o = std::make_shared<owner>(io);
  const auto start = clock::now();
  o->expire_at(start + 20ms);
  for (int i = 1; i <= 100; ++i)  // a keep-alive connection's phases
    o->expire_at(start + 20ms + i * 1ms);
  io.run();  // returns once no wait is pending
  BOOST_TEST_REQUIRE(o->fired.size() == 1u);
  BOOST_TEST((o->fired[0] >= start + 120ms));
}

BOOST_AUTO_TEST_CASE(a_deadline_moved_earlier_fires_once_at_the_earlier_time) {
  boost::asio::io_context io{1};
  auto o = std::make_shared<owner>(io);
  const auto start = clock::now();
  o->expire_at(start + 30s);
  o->expire_at(start + 20ms);
  io.run();
  BOOST_TEST_REQUIRE(o->fired.size() == 1u);
  BOOST_TEST((o->fired[0] >= start + 20ms));
  BOOST_TEST((o->fired[0] < start + 30s));
}

BOOST_AUTO_TEST_CASE(a_passed_deadline_fires_and_can_be_set_again) {
  boost::asio::io_context io{1};
  auto o = std::make_shared<owner>(io);
  o->expire_at(clock::now() - 1s);
  io.run();
  BOOST_TEST(o->fired.size() == 1u);
  o->expire_at(clock::now() + 10ms);
  io.restart();
  io.run();
  BOOST_TEST(o->fired.size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_cancelled_deadline_never_fires) {
  boost::asio::io_context io{1};
  auto o = std::make_shared<owner>(io);
  o->expire_at(clock::now() + 10ms);
  o->deadline.cancel();
  io.run();
  BOOST_TEST(o->fired.empty());
  BOOST_TEST((o->deadline.expiry() == clock::time_point::max()));
}

BOOST_AUTO_TEST_CASE(a_pending_wait_keeps_its_owner_alive_until_it_ends) {
  boost::asio::io_context io{1};
  auto o = std::make_shared<owner>(io);
  std::weak_ptr<owner> watched = o;
  o->expire_at(clock::now() + 10ms);
  o.reset();
  BOOST_TEST(!watched.expired());
  io.run();
  BOOST_TEST(watched.expired());
}

BOOST_AUTO_TEST_SUITE_END()

} // namespace memoryd::net

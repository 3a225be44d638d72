#pragma once

// A history checker for fault tests: writers log what they sent (a version
// with a unique code, under an Idempotency-Key) and what they were told;
// after the fault, every write that got no answer or an error is sent again
// with its key, as a real client would, and the site's versions are checked
// against the log: gapless numbers, every acknowledged write stored byte for
// byte under the number it was told, every stored version one that was
// sent, and each write stored exactly once.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "tests/e2e/api_client.hpp"

namespace memoryd::test {

class write_history {
public:
  struct write {
    std::string key;
    std::string code;
    unsigned status = 0;    // 0: no answer (the connection failed)
    int64_t version = 0;    // as answered with a 201
    std::chrono::milliseconds took{0};
  };

  explicit write_history(std::string site_id);

  /// Sends one new version through `c`, logs and returns it.
  write send(api_client& c, const std::string& tag);

  /// Sends each write that got no 201 again with its key until it does, or
  /// `deadline` passes (then it fails the test).
  void settle(api_client& c, std::chrono::steady_clock::time_point deadline);

  /// BOOST_TESTs the invariants above against what `c` reads back.
  void check(api_client& c) const;

  std::vector<write> writes() const;

private:
  std::string site_id_;
  mutable std::mutex mutex_;
  std::vector<write> writes_;
};

} // namespace memoryd::test

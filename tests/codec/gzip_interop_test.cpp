// Our gzip against the system's gzip (on PATH), both ways: what we write
// passes `gzip -t` and `gunzip -c`, and what `gzip -6` writes (with or
// without a file name in the header) passes gunzip_bounded.

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "codec/gzip.hpp"
#include "tests/codec/samples.hpp"

using namespace memoryd;
using namespace memoryd::codec;
using test::quoted;
using test::shell;

namespace {

std::vector<std::string> samples() {
  return {std::string(), std::string("x"), test::mixed_text(2 * test::MiB, 21),
          test::random_bytes(100'000, 22)};
}

} // namespace

BOOST_AUTO_TEST_SUITE(gzip_interop)

BOOST_AUTO_TEST_CASE(system_gunzip_reads_our_gzip) {
  test::scratch_dir dir;
  const auto gz = dir / "ours.gz";
  const auto out = dir / "ours.out";
  for (const std::string& data : samples())
    BOOST_TEST_CONTEXT(data.size() << " bytes") {
      test::write_file(gz, gzip_compress(data));
      BOOST_TEST(shell("gzip -t " + quoted(gz)) == 0);
      BOOST_TEST_REQUIRE(
        shell("gunzip -c " + quoted(gz) + " > " + quoted(out)) == 0);
      BOOST_TEST(test::read_file(out) == data);
    }
}

BOOST_AUTO_TEST_CASE(we_read_system_gzip) {
  test::scratch_dir dir;
  const auto plain = dir / "plain";
  const auto named = dir / "named.gz";
  const auto piped = dir / "piped.gz";
  for (const std::string& data : samples())
    BOOST_TEST_CONTEXT(data.size() << " bytes") {
      test::write_file(plain, data);
      // From a file gzip stores its name (FNAME); from a pipe it does not.
      BOOST_TEST_REQUIRE(
        shell("gzip -6 -c " + quoted(plain) + " > " + quoted(named)) == 0);
      BOOST_TEST_REQUIRE(
        shell("gzip -6 < " + quoted(plain) + " > " + quoted(piped)) == 0);
      BOOST_TEST(gunzip_bounded(test::read_file(named), data.size()) == data);
      BOOST_TEST(gunzip_bounded(test::read_file(piped), data.size()) == data);
    }
}

BOOST_AUTO_TEST_SUITE_END()

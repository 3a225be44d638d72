// gunzip_bounded's output limit: exact at the boundary, and enforced while
// inflating, so a gzip bomb costs memory in proportion to the limit and not
// to what the bomb would inflate to.

#include <string>

#include <boost/test/unit_test.hpp>

#include "codec/gzip.hpp"
#include "tests/codec/samples.hpp"

using namespace memoryd;
using namespace memoryd::codec;
using test::KiB;
using test::MiB;

BOOST_AUTO_TEST_SUITE(gunzip_limit)

BOOST_AUTO_TEST_CASE(output_of_exactly_the_limit_passes_one_byte_over_fails) {
  // Sizes around gzip.cpp's 64 KiB output pieces, where the last piece
  // fills the limit exactly before zlib reports the end of the stream.
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, 64 * KiB - 1,
                              64 * KiB, 64 * KiB + 1, 3 * 64 * KiB,
                              1'000'003 * std::size_t{1}}) {
    const std::string data = test::mixed_text(n, 11);
    const std::string compressed = gzip_compress(data);
    BOOST_TEST_CONTEXT(n << " bytes") {
      BOOST_TEST(gunzip_bounded(compressed, n) == data);
      BOOST_TEST(gunzip_bounded(compressed, n + 1) == data);
      if (n > 0)
        BOOST_CHECK_EXCEPTION(gunzip_bounded(compressed, n - 1), too_large,
                              [&](const too_large& e) {
                                return e.limit() == n - 1;
                              });
    }
  }
}

BOOST_AUTO_TEST_CASE(a_gigabyte_bomb_stops_at_the_limit_in_bounded_memory) {
  constexpr std::size_t limit = 64 * MiB;
  const std::string& bomb = test::gigabyte_bomb();
  BOOST_TEST_MESSAGE("1 GiB of zeros gzips to " << bomb.size() << " bytes");
  BOOST_TEST(bomb.size() < 2 * MiB);

  // The peak is the process's all-time peak, so it is compared with the
  // resident set now: it can only overstate what the inflate cost.
  const std::size_t before = test::current_rss_bytes();
  BOOST_CHECK_EXCEPTION(gunzip_bounded(bomb, limit), too_large,
                        [&](const too_large& e) { return e.limit() == limit; });
  const std::size_t peak = test::peak_rss_bytes();
  const std::size_t growth = peak > before ? peak - before : 0;
  BOOST_TEST_MESSAGE("peak resident set grew by " << growth / MiB
                     << " MiB for a limit of " << limit / MiB << " MiB");
  BOOST_TEST(growth < 3 * limit);
}

// gunzip_each hands the same bytes over in pieces, under the same limit,
// and lets what its sink throws through (the import's JSON parser stops it
// that way at the first bad byte).
BOOST_AUTO_TEST_CASE(gunzip_each_streams_the_content_in_bounded_pieces) {
  const std::string data = test::mixed_text(1'000'003, 5);
  const std::string compressed = gzip_compress(data);
  std::string joined;
  std::size_t pieces = 0;
  gunzip_each(compressed, data.size(), [&](std::string_view piece) {
    BOOST_TEST(piece.size() <= 64 * KiB);
    joined += piece;
    ++pieces;
  });
  BOOST_TEST((joined == data));
  BOOST_TEST(pieces > 1u);

  std::size_t seen = 0;
  BOOST_CHECK_THROW(gunzip_each(compressed, data.size() - 1,
                                [&](std::string_view piece) { seen += piece.size(); }),
                    too_large);
  BOOST_TEST(seen < data.size());

  struct stop {};
  std::size_t calls = 0;
  BOOST_CHECK_THROW(gunzip_each(test::gigabyte_bomb(), std::size_t{1} << 40,
                                [&](std::string_view) {
                                  ++calls;
                                  throw stop{};
                                }),
                    stop);
  BOOST_TEST(calls == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

// gzip_writer, gzip_compress and gunzip_bounded on good input, and
// gunzip_bounded's refusal of everything that is not exactly one intact
// gzip member.

#include <stdexcept>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <zlib.h>

#include "codec/gzip.hpp"
#include "tests/codec/samples.hpp"

using namespace memoryd;
using namespace memoryd::codec;

namespace {

constexpr std::size_t no_limit = std::string::npos;

// `data` deflated by zlib directly: windowBits 15 gives the zlib format,
// -15 raw deflate, neither of which is gzip.
std::string deflate_with_window(std::string_view data, int window_bits) {
  z_stream z{};
  BOOST_REQUIRE(deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8,
                             Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  BOOST_REQUIRE(rc == Z_STREAM_END);
  return out;
}

// Rejected as malformed (codec_error, not too_large) with `part` in the
// message.
void check_rejected(std::string_view compressed, std::string_view part) {
  try {
    gunzip_bounded(compressed, no_limit);
    BOOST_ERROR("accepted bad gzip; expected \"" << part << "\"");
  } catch (const too_large& e) {
    BOOST_ERROR("too_large instead of codec_error: " << e.what());
  } catch (const codec_error& e) {
    BOOST_TEST(std::string_view(e.what()).find(part) != std::string::npos,
               "message \"" << e.what() << "\" lacks \"" << part << "\"");
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(gzip)

BOOST_AUTO_TEST_CASE(round_trips_empty_one_byte_and_ten_megabytes) {
  for (const std::string& data :
       {std::string(), std::string("x"), test::mixed_text(10 * test::MiB, 1)}) {
    const std::string compressed = gzip_compress(data);
    BOOST_TEST_CONTEXT(data.size() << " bytes") {
      BOOST_TEST(compressed.substr(0, 3) == "\x1f\x8b\x08"); // magic, deflate
      BOOST_TEST(gunzip_bounded(compressed, data.size()) == data);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_level_round_trips) {
  const std::string data = test::mixed_text(200 * test::KiB, 2);
  for (int level = 0; level <= 9; ++level)
    BOOST_TEST_CONTEXT("level " << level) {
      BOOST_TEST(gunzip_bounded(gzip_compress(data, level), no_limit) == data);
    }
  BOOST_CHECK_THROW(gzip_compress(data, -1), std::invalid_argument);
  BOOST_CHECK_THROW(gzip_compress(data, 10), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(writer_streams_pieces_of_any_size) {
  const std::string data = test::mixed_text(3 * test::MiB, 3);
  std::string compressed;
  std::size_t pieces = 0, largest = 0;
  gzip_writer writer([&](std::string_view piece) {
    BOOST_TEST(!piece.empty());
    compressed.append(piece);
    ++pieces;
    largest = std::max(largest, piece.size());
  });
  // Uneven writes, including empty ones, crossing the 64 KiB buffer.
  const std::size_t sizes[] = {0, 1, 7, 4095, 65536, 65537, 300'000};
  std::string_view rest = data;
  for (std::size_t i = 0; !rest.empty(); ++i) {
    const std::size_t n = std::min(rest.size(), sizes[i % std::size(sizes)]);
    writer.write(rest.substr(0, n));
    rest.remove_prefix(n);
  }
  writer.finish();

  BOOST_TEST(gunzip_bounded(compressed, data.size()) == data);
  BOOST_TEST(writer.bytes_in() == data.size());
  BOOST_TEST(writer.bytes_out() == compressed.size());
  BOOST_TEST(pieces > 1u); // streamed, not held back until finish
  BOOST_TEST(largest <= 64 * test::KiB);
}

BOOST_AUTO_TEST_CASE(writer_refuses_use_after_finish_and_survives_a_move) {
  std::string compressed;
  gzip_writer first([&](std::string_view piece) { compressed.append(piece); });
  first.write("hello, ");
  gzip_writer second = std::move(first);
  second.write("world");
  second.finish();
  BOOST_CHECK_THROW(second.write("more"), std::logic_error);
  BOOST_CHECK_THROW(second.finish(), std::logic_error);
  BOOST_TEST(gunzip_bounded(compressed, no_limit) == "hello, world");
}

BOOST_AUTO_TEST_CASE(writer_destroyed_unfinished_emits_no_trailer) {
  std::string compressed;
  {
    gzip_writer writer(
      [&](std::string_view piece) { compressed.append(piece); });
    writer.write(test::mixed_text(200 * test::KiB, 4));
  }
  check_rejected(compressed, "truncated");
}

BOOST_AUTO_TEST_CASE(truncated_streams_are_rejected) {
  const std::string compressed =
    gzip_compress(test::mixed_text(64 * test::KiB, 5));
  BOOST_TEST_REQUIRE(compressed.size() > 1000u);
  std::vector<std::size_t> cuts;
  for (std::size_t cut = 1; cut < compressed.size(); cut += 100)
    cuts.push_back(cut);
  // Every cut within the header and within the trailer (and the last block).
  for (std::size_t cut = 1; cut <= 24; ++cut) {
    cuts.push_back(cut);
    cuts.push_back(compressed.size() - cut);
  }
  for (const std::size_t cut : cuts)
    BOOST_TEST_CONTEXT("cut at " << cut << " of " << compressed.size()) {
      check_rejected(std::string_view(compressed).substr(0, cut), "truncated");
    }
}

BOOST_AUTO_TEST_CASE(a_bad_crc_or_length_is_rejected) {
  const std::string good = gzip_compress(test::mixed_text(10'000, 6));
  // Trailer: CRC32 of the content, then ISIZE, both little-endian.
  for (std::size_t from_end = 8; from_end >= 1; --from_end) {
    std::string bad = good;
    bad[bad.size() - from_end] ^= 0x01;
    BOOST_TEST_CONTEXT("flipped byte " << from_end << " from the end") {
      check_rejected(bad, from_end > 4 ? "incorrect data check"
                                       : "incorrect length check");
    }
  }
}

BOOST_AUTO_TEST_CASE(corrupt_deflate_data_is_rejected) {
  const std::string good = gzip_compress(test::mixed_text(10'000, 7));
  std::string bad = good;
  bad[bad.size() / 2] ^= 0x20;
  check_rejected(bad, "corrupt stream");
}

BOOST_AUTO_TEST_CASE(anything_after_the_member_is_rejected) {
  const std::string good = gzip_compress("content");
  for (const std::string& tail :
       {std::string("x"), std::string(4, '\0'), good, std::string("\n")})
    BOOST_TEST_CONTEXT("tail of " << tail.size() << " bytes") {
      check_rejected(good + tail, "trailing data after the gzip member");
    }
}

BOOST_AUTO_TEST_CASE(input_that_is_not_gzip_is_rejected) {
  const std::string text = test::mixed_text(5000, 8);
  check_rejected("", "empty input");
  check_rejected(text, "not gzip");
  check_rejected("x", "not gzip");
  check_rejected(deflate_with_window(text, MAX_WBITS), "not gzip"); // zlib
  check_rejected(deflate_with_window(text, -MAX_WBITS), "not gzip"); // raw
  // The magic, then a compression method other than deflate (8).
  std::string wrong_method = gzip_compress(text);
  wrong_method[2] = 7;
  check_rejected(wrong_method, "unknown compression method");
}

BOOST_AUTO_TEST_SUITE_END()

// base64_encode / base64_decode: RFC 4648's vectors, round trips of every
// length, agreement with a plain reference across OpenSSL's block size, and
// everything a strict decoder must refuse.

#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "codec/base64.hpp"
#include "tests/codec/samples.hpp"

using namespace memoryd;
using namespace memoryd::codec;

namespace {

constexpr std::string_view alphabet =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The textbook encoder, slow and obviously right, to check the real one
// against on inputs longer than its blocks.
std::string reference_encode(std::string_view bytes) {
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    unsigned group = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size())
      group |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size())
      group |= static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[group >> 18 & 63];
    out += alphabet[group >> 12 & 63];
    out += i + 1 < bytes.size() ? alphabet[group >> 6 & 63] : '=';
    out += i + 2 < bytes.size() ? alphabet[group & 63] : '=';
  }
  return out;
}

// Canonical: alphabet only, then at most two '='.
bool looks_canonical(std::string_view text) {
  const auto end = text.find_last_not_of('=');
  const std::size_t data = end == std::string_view::npos ? 0 : end + 1;
  return text.size() - data <= 2
         && text.substr(0, data).find_first_not_of(alphabet)
              == std::string_view::npos;
}

} // namespace

BOOST_AUTO_TEST_SUITE(base64)

BOOST_AUTO_TEST_CASE(rfc4648_test_vectors) {
  // RFC 4648, section 10.
  const std::pair<std::string, std::string> vectors[] = {
    {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},
    {"foo", "Zm9v"},  {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    BOOST_TEST(base64_encode(plain) == encoded);
    BOOST_TEST(base64_decode(encoded) == plain);
  }
}

BOOST_AUTO_TEST_CASE(encoded_size_is_four_per_started_triple) {
  BOOST_TEST(base64_encoded_size(0) == 0u);
  BOOST_TEST(base64_encoded_size(1) == 4u);
  BOOST_TEST(base64_encoded_size(2) == 4u);
  BOOST_TEST(base64_encoded_size(3) == 4u);
  BOOST_TEST(base64_encoded_size(4) == 8u);
  BOOST_TEST(base64_encoded_size(3000) == 4000u);
  BOOST_CHECK_THROW(
    base64_encoded_size(std::numeric_limits<std::size_t>::max()),
    std::length_error);
}

BOOST_AUTO_TEST_CASE(random_binary_round_trips_at_every_length) {
  for (std::size_t n = 0; n <= 1000; ++n) {
    const std::string bytes = test::random_bytes(n, static_cast<uint32_t>(n));
    const std::string text = base64_encode(bytes);
    BOOST_TEST_CONTEXT("length " << n) {
      BOOST_TEST(text.size() == base64_encoded_size(n));
      BOOST_TEST(looks_canonical(text));
      BOOST_TEST(text == reference_encode(bytes));
      BOOST_TEST(base64_decode(text) == bytes);
    }
  }
}

BOOST_AUTO_TEST_CASE(long_inputs_match_the_reference_across_blocks) {
  // base64.cpp hands OpenSSL 48 KiB (64 KiB of text) at a time.
  const std::size_t block = 48 * 1024;
  for (const std::size_t n : {block - 1, block, block + 1, 3 * block + 2,
                              test::MiB + 1}) {
    const std::string bytes = test::random_bytes(n, 7);
    const std::string text = base64_encode(bytes);
    BOOST_TEST_CONTEXT("length " << n) {
      BOOST_TEST(text == reference_encode(bytes));
      BOOST_TEST(base64_decode(text) == bytes);
    }
  }
}

BOOST_AUTO_TEST_CASE(decode_rejects_everything_but_canonical_base64) {
  using namespace std::string_literals;
  const std::vector<std::string> bad = {
    "Zg",            // no padding
    "Zg=",           // padding short
    "Zg===",         // padding long
    "A===",          // three '='
    "====",          // padding only
    "=Zm9",          // '=' first
    "Zm=v",          // '=' inside
    "Zg==Zg==",      // padding in the middle
    "Zm9v\n",        // line break
    "Zm9v\r\n",      // CRLF
    "Zm9v Zm9v",     // space
    " Zm9v",         // leading space, which OpenSSL would skip
    "Zm9vYg==\n",    // trailing line break, which OpenSSL would skip
    "Zm9\t",         // tab
    "Zm9-",          // URL-safe alphabet
    "Zm9_",          //
    "Zm9v!",         // punctuation
    "Zm9\xff",       // not ASCII
    "Zm9\0"s,        // NUL
    "Zh==",          // bits after the data not zero ("Zg==" is canonical)
    "Zm9=",          // likewise ("Zm8=")
  };
  for (const std::string& text : bad)
    BOOST_TEST_CONTEXT("input \"" << text << "\"") {
      BOOST_CHECK_EXCEPTION(base64_decode(text), codec_error,
                            test::message_has<codec_error>("base64: "));
    }
}

BOOST_AUTO_TEST_CASE(decode_checks_the_whole_input_not_just_its_start) {
  // A bad character far past OpenSSL's first block.
  std::string text = base64_encode(test::random_bytes(300'000, 3));
  text[text.size() - 10] = '*';
  BOOST_CHECK_EXCEPTION(base64_decode(text), codec_error,
                        test::message_has<codec_error>("invalid character"));
}

BOOST_AUTO_TEST_CASE(append_adds_the_encoding_after_what_is_there) {
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{2},
                              std::size_t{3}, std::size_t{100000}}) {
    const std::string bytes = test::random_bytes(n, 3);
    std::string out = "{\"data\":\"";
    base64_append(out, bytes);
    BOOST_TEST(out == "{\"data\":\"" + base64_encode(bytes));
  }
}

BOOST_AUTO_TEST_SUITE_END()

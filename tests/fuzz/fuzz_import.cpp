// The import decoder, POST /api/sessions/import: base64 -> gunzip (bounded
// while it inflates) -> streaming JSON parse (memory capped) -> archive
// decode with every rule of the export format. Any input must end in an
// archive or a request_error (400 validation or 413 payload_too_large),
// never another exception or a sanitizer report. An archive that decodes
// must export again as a document that imports as the same archive.
//
// The first byte says what the rest is, so that the fuzzer reaches every
// stage without having to invent base64 of gzip of JSON itself:
//   0: the request body as the client sends it
//   1: the gzip bytes, which the harness base64-encodes into {"data": ...}
//   2: the export document, which the harness gzips and base64-encodes
//   3: the export document, sent uncompressed ({"data": <doc>})

#include <cstddef>
#include <cstdint>
#include <string>

#include "actors/archive_codec.hpp"
#include "actors/backup_body.hpp"
#include "actors/errors.hpp"
#include "codec/base64.hpp"
#include "codec/gzip.hpp"
#include "fuzz_support.hpp"

namespace {

using memoryd::fuzz::require;

/// Smaller than the daemon's default, so that the fuzzer reaches the limit.
constexpr memoryd::import_limits limits{64 * 1024, 64};

std::string compressed_body(std::string_view gzip) {
  return R"({"data":")" + memoryd::codec::base64_encode(gzip) + R"("})";
}

std::string render(const memoryd::storage::session_archive& archive) {
  std::string doc;
  memoryd::render_archive(archive, "2026-11-24T02:00:00.000000Z",
                          [&](std::string_view piece) { doc += piece; });
  return doc;
}

/// What the importer gets plus what it leaves empty for the new identity.
memoryd::storage::session_archive
import_body(const std::string& body) {
  auto archive = memoryd::read_import_body(body, limits);
  auto& s = archive.session;
  s.session_id = "0b8f3c1e-7d2a-4e55-9a41-2f6c8d9e0a17";
  s.created_at = s.updated_at = "2026-11-24T02:00:00.000000Z";
  if (s.state_json.empty())
    s.state_json = "{}";
  if (s.preferences_json.empty())
    s.preferences_json = "{}";
  return archive;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  auto rest = memoryd::fuzz::as_text(data + 1, size - 1);
  std::string body;
  switch (data[0] % 4) {
    case 0: body = rest; break;
    case 1: body = compressed_body(rest); break;
    case 2: body = compressed_body(memoryd::codec::gzip_compress(rest, 1)); break;
    default: body = R"({"compressed":false,"data":)" + std::string{rest} + "}";
  }
  memoryd::storage::session_archive archive;
  try {
    archive = import_body(body);
  } catch (const memoryd::request_error& e) {
    require(e.type == memoryd::error_type::validation
              || e.type == memoryd::error_type::payload_too_large,
            "import fails only with validation or payload_too_large");
    return 0;
  }
  // Export again, then import that: the same archive, so the same text.
  auto doc = render(archive);
  std::string plain = R"({"data":)" + doc + "}";
  std::string again_doc;
  try {
    again_doc = render(import_body(plain));
    require(again_doc == doc, "an exported archive imports as itself");
    if (doc.size() <= limits.max_document_bytes / 2)
      require(render(import_body(compressed_body(
                memoryd::codec::gzip_compress(doc, 1)))) == doc,
              "a compressed export imports as itself");
  } catch (const memoryd::request_error& e) {
    // The document may pass the size limit only by its new whitespace-free
    // rendering... which is never larger than what was accepted, but
    // escaping can make it so (a raw UTF-8 character rendered as \u
    // escape). Anything else is a bug.
    require(e.type == memoryd::error_type::payload_too_large,
            std::string{"an exported archive does not import: "} + e.what());
  }
  return 0;
}

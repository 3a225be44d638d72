#include "actors/backup_body.hpp"

#include <algorithm>
#include <cctype>
#include <new>

#include <boost/json.hpp>

#include "actors/archive_codec.hpp"
#include "actors/errors.hpp"
#include "actors/json_body.hpp"
#include "codec/base64.hpp"
#include "codec/gzip.hpp"
#include "storage/uuid.hpp"

namespace memoryd {

namespace {

namespace json = boost::json;

[[noreturn]] void invalid(const std::string& message) {
  throw request_error(error_type::validation, message);
}

/// What capped_resource throws: the document needs more memory than the
/// limit allows.
struct over_the_cap {};

/// Heap memory up to a cap in all, for the parsed document and the
/// parser's scratch space: whatever the document's shape (one endless
/// string grows the parser's buffer by doubling), parsing it costs at most
/// the cap. For one parser on one thread.
class capped_resource final : public json::memory_resource {
public:
  explicit capped_resource(std::size_t cap) : cap_(cap) {
    // nop
  }

private:
  void* do_allocate(std::size_t n, std::size_t align) override {
    if (n > cap_ - used_)
      throw over_the_cap{};
    void* p = over_aligned(align) ? ::operator new(n, std::align_val_t{align})
                                  : ::operator new(n);
    used_ += n;
    return p;
  }

  void do_deallocate(void* p, std::size_t n, std::size_t align) override {
    if (over_aligned(align))
      ::operator delete(p, n, std::align_val_t{align});
    else
      ::operator delete(p, n);
    used_ -= n;
  }

  /// The aligned forms of new and delete are for alignments beyond what
  /// the plain ones give; Boost.JSON asks for alignment 1 for its strings,
  /// and an aligned new of that is paired with its delete wrongly by
  /// AddressSanitizer (found by tests/fuzz/fuzz_import).
  static bool over_aligned(std::size_t align) {
    return align > __STDCPP_DEFAULT_NEW_ALIGNMENT__;
  }

  bool do_is_equal(const json::memory_resource& other) const noexcept override {
    return this == &other;
  }

  std::size_t cap_;
  std::size_t used_ = 0;
};

[[noreturn]] void too_large(const import_limits& limits) {
  throw request_error(error_type::payload_too_large,
                      "the export document passes MAX_IMPORT_BYTES ("
                        + std::to_string(limits.max_document_bytes)
                        + " bytes) inflated or parsed");
}

/// The document in base64(gzip(...)), parsed while it is inflated. Both the
/// inflated bytes and the parser's memory are bounded by the limit.
json::value inflate_document(std::string_view base64, const import_limits& limits) {
  std::string gzip;
  try {
    gzip = codec::base64_decode(base64);
  } catch (const codec::codec_error& e) {
    invalid(std::string{"data is not valid base64: "} + e.what());
  }
  const auto max_depth = limits.max_json_depth + archive_nesting;
  auto memory =
    json::make_shared_resource<capped_resource>(limits.max_document_bytes);
  json_reader parser{max_depth, memory};
  json::error_code ec;
  auto check = [&] {
    if (ec == json::error::too_deep)
      invalid("the export document is nested deeper than "
              + std::to_string(max_depth) + " levels");
    if (ec)
      invalid("the export document is not valid JSON: " + ec.message());
  };
  try {
    codec::gunzip_each(gzip, limits.max_document_bytes,
                       [&](std::string_view piece) {
                         parser.write(piece, ec);
                         check();
                       });
  } catch (const codec::too_large&) {
    too_large(limits);
  } catch (const over_the_cap&) {
    too_large(limits);
  } catch (const codec::codec_error& e) {
    invalid(std::string{"data is not a valid gzip stream: "} + e.what());
  }
  try {
    parser.finish(ec);
    check();
    auto document = parser.release();
    require_finite_numbers(document);
    return document;
  } catch (const over_the_cap&) {
    too_large(limits);
  }
}

bool optional_flag(const json::object& obj, std::string_view key,
                   bool fallback) {
  auto* v = obj.if_contains(key);
  if (v == nullptr)
    return fallback;
  if (!v->is_bool())
    invalid(std::string{key} + " must be true or false");
  return v->get_bool();
}

} // namespace

export_request decode_export_request(const json::value& body) {
  const auto& obj = require_object(body);
  reject_unknown_fields(obj, {"session_id", "include_sites", "compress"});
  auto* id = obj.if_contains("session_id");
  if (id == nullptr)
    invalid("session_id is required");
  export_request out;
  out.session_id = id->is_string() ? std::string{id->get_string()} : "";
  std::transform(out.session_id.begin(), out.session_id.end(),
                 out.session_id.begin(), [](unsigned char c) {
                   return static_cast<char>(std::tolower(c));
                 });
  if (!storage::is_canonical_uuid(out.session_id))
    invalid("session_id must be a session's UUID");
  out.include_sites = optional_flag(obj, "include_sites", true);
  out.compress = optional_flag(obj, "compress", true);
  return out;
}


std::string render_export_body(const storage::session_archive& archive,
                               bool compress, std::string_view exported_at) {
  std::string body = "{\"session_id\":\"" + archive.session.session_id
                     + "\",\"format\":\"" + std::string{archive_format}
                     + "\",\"format_version\":"
                     + std::to_string(archive_format_version)
                     + ",\"compressed\":" + (compress ? "true" : "false")
                     + ",\"data\":";
  if (!compress) {
    render_archive(archive, exported_at,
                   [&](std::string_view piece) { body += piece; });
    body += '}';
    return body;
  }
  std::string gzip;
  codec::gzip_writer writer{[&](std::string_view piece) { gzip += piece; }};
  render_archive(archive, exported_at,
                 [&](std::string_view piece) { writer.write(piece); });
  writer.finish();
  body.reserve(body.size() + codec::base64_encoded_size(gzip.size()) + 3);
  body += '"';
  codec::base64_append(body, gzip);
  body += "\"}";
  return body;
}

storage::session_archive read_import_body(std::string_view body,
                                          const import_limits& limits) {
  // The uncompressed document sits one level below the body.
  auto request = parse_json_body(body, limits.max_json_depth + archive_nesting + 1);
  const auto& obj = require_object(request);
  reject_unknown_fields(obj, {"data", "compressed"});
  auto* data = obj.if_contains("data");
  if (data == nullptr)
    invalid("data is required");
  bool compressed = data->is_string();
  if (auto* flag = obj.if_contains("compressed")) {
    if (!flag->is_bool())
      invalid("compressed must be true or false");
    compressed = flag->get_bool();
  }
  if (compressed != data->is_string())
    invalid(compressed ? "data must be a base64 string when compressed is true"
                       : "data must be the export document (an object) when "
                         "compressed is false");
  if (!compressed)
    return decode_archive(*data);
  return decode_archive(inflate_document(data->get_string(), limits));
}

} // namespace memoryd

#pragma once

// gzip (RFC 1952, one member) through zlib for session export/import: a
// streaming compressor, so an export is compressed while it is rendered, and
// an inflate whose output limit holds while it inflates, so a gzip bomb costs
// at most the limit in memory.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "codec/error.hpp"

namespace memoryd::codec {

/// What `gzip` uses by default.
inline constexpr int default_gzip_level = 6;

/// Compresses what is written to it into one gzip member, handing the
/// compressed bytes to a sink as they are produced, in pieces of at most
/// 64 KiB. Output lags input (deflate holds data back to fill a block) and
/// the member is complete only after finish(). Move-only; a moved-from
/// writer may only be destroyed or assigned to.
///
/// If the sink or zlib throws, the member is incomplete: destroy the writer.
/// Destroying a writer without finish() frees zlib's state and emits nothing.
class gzip_writer {
public:
  using sink = std::function<void(std::string_view compressed)>;

  /// `level` 0 (stored) .. 9 (smallest); std::invalid_argument otherwise.
  explicit gzip_writer(sink out, int level = default_gzip_level);
  ~gzip_writer();

  gzip_writer(gzip_writer&&) noexcept;
  gzip_writer& operator=(gzip_writer&&) noexcept;

  /// Compresses `data`; std::logic_error after finish().
  void write(std::string_view data);

  /// Flushes the rest and writes the CRC32/ISIZE trailer; std::logic_error
  /// if called twice.
  void finish();

  /// Bytes written so far, and compressed bytes handed to the sink.
  std::uint64_t bytes_in() const noexcept;
  std::uint64_t bytes_out() const noexcept;

private:
  struct state;
  std::unique_ptr<state> state_;
};

/// `data` as one gzip member.
std::string gzip_compress(std::string_view data,
                          int level = default_gzip_level);

/// Receives inflated data in pieces of at most 64 KiB.
using gunzip_sink = std::function<void(std::string_view inflated)>;

/// Inflates the single gzip member `compressed` piece by piece into `out`,
/// which sees at most `max_output` bytes in all, so a consumer that parses
/// as it goes (a streaming JSON parser) never needs the whole content.
/// Throws as gunzip_bounded does; what `out` throws passes through. After a
/// throw, `out` may have seen a prefix of the content: it is not verified
/// (the CRC32 is checked at the end), so discard whatever was built from it.
void gunzip_each(std::string_view compressed, std::size_t max_output,
                 const gunzip_sink& out);

/// The content of the single gzip member `compressed`, of at most
/// `max_output` bytes. The limit holds while inflating: the result never
/// holds more than `max_output` bytes and is grown at most to that capacity.
///
/// Throws too_large as soon as the output would pass `max_output` (exactly
/// `max_output` bytes is fine), and codec_error if `compressed` is empty, not
/// gzip (bad magic, unsupported method or flags), truncated, corrupt, fails
/// the CRC32 or ISIZE check, or has any bytes after the end of the member:
/// further gzip members and padding are rejected like any trailing garbage,
/// since an export is always one member.
std::string gunzip_bounded(std::string_view compressed,
                           std::size_t max_output);

} // namespace memoryd::codec

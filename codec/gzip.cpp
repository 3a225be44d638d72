// gzip_writer, gzip_compress, gunzip_each and gunzip_bounded over zlib in gzip mode
// (windowBits 16 + 15): zlib itself writes and checks the header and the
// CRC32/ISIZE trailer.

#include "codec/gzip.hpp"

#include <algorithm>
#include <new>
#include <stdexcept>
#include <utility>

// next_in as a pointer to const, so input needs no const_cast.
#define ZLIB_CONST
#include <zlib.h>

namespace memoryd::codec {

namespace {

constexpr int gzip_window_bits = 16 + MAX_WBITS; // +16: gzip, not zlib, wrapper
constexpr int default_mem_level = 8;             // zlib's and gzip's default

// Output comes in pieces of this size: large enough that the per-piece costs
// (sink call, append) vanish next to deflate and inflate themselves.
constexpr std::size_t chunk_size = 64 * 1024;

// avail_in is a 32-bit uInt, so longer inputs are fed in slices.
constexpr std::size_t max_slice = std::size_t{1} << 30;

constexpr std::string_view gzip_magic{"\x1f\x8b", 2};

[[noreturn]] void reject(const std::string& what) {
  throw codec_error("gzip: " + what);
}

void check_init(int rc) {
  if (rc == Z_MEM_ERROR)
    throw std::bad_alloc();
  if (rc != Z_OK) // a zlib other than the one compiled against, or a bug here
    throw std::runtime_error(std::string("gzip: zlib init failed: ")
                             + zError(rc));
}

// Initialised z_streams that always get their End call. zlib's state points
// back at the z_stream, so neither may be copied or moved.
class deflate_stream {
public:
  explicit deflate_stream(int level) {
    check_init(deflateInit2(&z_, level, Z_DEFLATED, gzip_window_bits,
                            default_mem_level, Z_DEFAULT_STRATEGY));
  }
  ~deflate_stream() { deflateEnd(&z_); }
  deflate_stream(const deflate_stream&) = delete;
  deflate_stream& operator=(const deflate_stream&) = delete;

  z_stream& z() { return z_; }

private:
  z_stream z_{}; // null zalloc/zfree/opaque: zlib's own allocator
};

class inflate_stream {
public:
  inflate_stream() { check_init(inflateInit2(&z_, gzip_window_bits)); }
  ~inflate_stream() { inflateEnd(&z_); }
  inflate_stream(const inflate_stream&) = delete;
  inflate_stream& operator=(const inflate_stream&) = delete;

  z_stream& z() { return z_; }

private:
  z_stream z_{};
};

const Bytef* bytes_of(std::string_view s) {
  return reinterpret_cast<const Bytef*>(s.data());
}

// Hands zlib the next slice of `input` once it has used up the last one.
void feed(z_stream& z, std::string_view& input) {
  if (z.avail_in != 0 || input.empty())
    return;
  const std::size_t slice = std::min(input.size(), max_slice);
  z.next_in = bytes_of(input);
  z.avail_in = static_cast<uInt>(slice);
  input.remove_prefix(slice);
}

// Appends `n` bytes to `out`, which may never hold more than `limit`. The
// capacity doubles as std::string's would, but stops at `limit`, so output
// just under the limit does not cost twice the limit.
void append_bounded(std::string& out, std::string_view piece,
                    std::size_t limit) {
  const std::size_t n = piece.size();
  if (n > limit - out.size())
    throw too_large(limit);
  if (n > out.capacity() - out.size()) {
    const std::size_t doubled =
      out.capacity() > limit / 2 ? limit : 2 * out.capacity();
    // A fresh string: reserve() on `out` itself would round a request below
    // twice its capacity up to twice its capacity (libstdc++).
    std::string bigger;
    bigger.reserve(std::max(doubled, out.size() + n));
    bigger.append(out);
    out.swap(bigger);
  }
  out.append(piece);
}

} // namespace

struct gzip_writer::state {
  state(sink s, int level) : out(std::move(s)), stream(level) {}

  // Runs deflate with `flush` over the input set in the stream, handing
  // each piece of output to the sink, until deflate has consumed all input
  // (Z_NO_FLUSH) or written the trailer (Z_FINISH): either way it stops
  // with room left in the buffer.
  void pump(int flush) {
    z_stream& z = stream.z();
    do {
      z.next_out = buffer.get();
      z.avail_out = chunk_size;
      if (deflate(&z, flush) == Z_STREAM_ERROR)
        throw std::logic_error("gzip: deflate state inconsistent");
      const std::size_t n = chunk_size - z.avail_out;
      if (n > 0) {
        out(std::string_view(reinterpret_cast<const char*>(buffer.get()), n));
        bytes_out += n;
      }
    } while (z.avail_out == 0);
  }

  sink out;
  deflate_stream stream;
  std::unique_ptr<Bytef[]> buffer =
    std::make_unique_for_overwrite<Bytef[]>(chunk_size);
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  bool finished = false;
};

gzip_writer::gzip_writer(sink out, int level) {
  if (!out)
    throw std::invalid_argument("gzip_writer: no sink");
  // zlib would also take -1 (its default, 6); keep the contract simple.
  if (level < 0 || level > 9)
    throw std::invalid_argument("gzip_writer: level " + std::to_string(level)
                                + " is not in 0..9");
  state_ = std::make_unique<state>(std::move(out), level);
}

gzip_writer::~gzip_writer() = default;
gzip_writer::gzip_writer(gzip_writer&&) noexcept = default;
gzip_writer& gzip_writer::operator=(gzip_writer&&) noexcept = default;

void gzip_writer::write(std::string_view data) {
  if (state_->finished)
    throw std::logic_error("gzip_writer: write after finish");
  z_stream& z = state_->stream.z();
  while (!data.empty()) {
    const std::size_t before = data.size();
    feed(z, data);
    state_->pump(Z_NO_FLUSH);
    state_->bytes_in += before - data.size();
  }
}

void gzip_writer::finish() {
  if (state_->finished)
    throw std::logic_error("gzip_writer: finish called twice");
  state_->finished = true;
  state_->pump(Z_FINISH);
}

std::uint64_t gzip_writer::bytes_in() const noexcept {
  return state_->bytes_in;
}

std::uint64_t gzip_writer::bytes_out() const noexcept {
  return state_->bytes_out;
}

std::string gzip_compress(std::string_view data, int level) {
  std::string out;
  gzip_writer writer([&out](std::string_view piece) { out.append(piece); },
                     level);
  writer.write(data);
  writer.finish();
  return out;
}

void gunzip_each(std::string_view compressed, std::size_t max_output,
                 const gunzip_sink& out) {
  if (compressed.empty())
    reject("empty input");
  // zlib would only say "incorrect header check". A lone 0x1f passes here
  // and is reported as truncated below.
  if (compressed.substr(0, gzip_magic.size())
      != gzip_magic.substr(0, compressed.size()))
    reject("not gzip data (bad magic)");

  inflate_stream stream;
  z_stream& z = stream.z();
  const auto chunk = std::make_unique_for_overwrite<Bytef[]>(chunk_size);
  std::string_view input = compressed; // what zlib has not been given yet
  std::size_t produced = 0;
  int rc = Z_OK;
  do {
    feed(z, input);
    z.next_out = chunk.get();
    z.avail_out = chunk_size;
    rc = inflate(&z, Z_NO_FLUSH);
    const std::size_t n = chunk_size - z.avail_out;
    if (n > max_output - produced)
      throw too_large(max_output);
    produced += n;
    if (n > 0)
      out(std::string_view(reinterpret_cast<const char*>(chunk.get()), n));
  } while (rc == Z_OK);

  switch (rc) {
  case Z_STREAM_END:
    break;
  case Z_BUF_ERROR:
    // With a fresh output buffer and all input fed, zlib can only be stuck
    // waiting for input that does not exist.
    reject("truncated stream");
  case Z_DATA_ERROR: // bad header, deflate data, CRC32 or ISIZE
    reject(std::string("corrupt stream (")
           + (z.msg != nullptr ? z.msg : "data error") + ")");
  case Z_MEM_ERROR:
    throw std::bad_alloc();
  default: // Z_NEED_DICT and Z_STREAM_ERROR cannot happen in gzip mode
    reject(std::string("inflate failed: ") + zError(rc));
  }
  if (const std::size_t trailing = z.avail_in + input.size(); trailing > 0)
    reject("trailing data after the gzip member, from offset "
           + std::to_string(compressed.size() - trailing));
}

std::string gunzip_bounded(std::string_view compressed,
                           std::size_t max_output) {
  std::string out;
  gunzip_each(compressed, max_output, [&](std::string_view piece) {
    append_bounded(out, piece, max_output);
  });
  return out;
}

} // namespace memoryd::codec

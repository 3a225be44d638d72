#include "storage/zstd_codec.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>

// For ZSTD_customMem and ZSTD_createCCtx_advanced (stable since zstd 1.0).
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

namespace memoryd::storage::zstd_codec {

namespace {

// One context of each kind per thread (a storage worker's), reused:
// creating one costs more than compressing a page.
template <class Ctx, Ctx* (*create)(), std::size_t (*destroy)(Ctx*)>
Ctx* thread_context() {
  struct deleter {
    void operator()(Ctx* c) const {
      destroy(c);
    }
  };
  thread_local std::unique_ptr<Ctx, deleter> c{create()};
  if (!c)
    throw std::bad_alloc{};
  return c.get();
}

// zstd sizes a context's workspace to the text it compresses, exactly, and
// allocates a new one whenever a text needs a few bytes more. Pages grow a
// little from version to version, so nearly every compression took a fresh
// megabyte from the kernel and faulted it in while clearing its tables:
// 1.5 of the 1.7 ms a delta took in the daemon. So the workspace of this
// thread's context is allocated with a quarter more room than asked, and a
// freed one is kept for the next request it fits.
class workspace_keeper {
public:
  static void* allocate(void* opaque, std::size_t size) {
    return static_cast<workspace_keeper*>(opaque)->get(size);
  }

  static void release(void* opaque, void* address) {
    static_cast<workspace_keeper*>(opaque)->put(address);
  }

  ~workspace_keeper() {
    std::free(kept_);
  }

private:
  // Each block starts with its capacity, in a header that keeps malloc's
  // alignment for what follows.
  static constexpr std::size_t header = alignof(std::max_align_t);
  static constexpr std::size_t large = 64 << 10;  // smaller: plain malloc

  static std::size_t& capacity(void* block) {
    return *static_cast<std::size_t*>(block);
  }

  void* get(std::size_t size) {
    if (kept_ != nullptr && capacity(kept_) >= size
        && capacity(kept_) <= 2 * size) {
      void* block = std::exchange(kept_, nullptr);
      return static_cast<char*>(block) + header;
    }
    const auto room = size >= large ? size + size / 4 : size;
    void* block = std::malloc(header + room);
    if (block == nullptr)
      return nullptr;  // zstd reports the failure
    capacity(block) = room;
    return static_cast<char*>(block) + header;
  }

  void put(void* address) {
    if (address == nullptr)
      return;
    void* block = static_cast<char*>(address) - header;
    if (capacity(block) < large)
      return std::free(block);
    std::free(std::exchange(kept_, block));
  }

  void* kept_ = nullptr;
};

ZSTD_CCtx* create_cctx() {
  thread_local workspace_keeper keeper;
  return ZSTD_createCCtx_advanced(ZSTD_customMem{
    &workspace_keeper::allocate, &workspace_keeper::release, &keeper});
}

ZSTD_CCtx* cctx() {
  auto* c = thread_context<ZSTD_CCtx, create_cctx, ZSTD_freeCCtx>();
  ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
  return c;
}

ZSTD_DCtx* dctx() {
  auto* d = thread_context<ZSTD_DCtx, ZSTD_createDCtx, ZSTD_freeDCtx>();
  ZSTD_DCtx_reset(d, ZSTD_reset_session_and_parameters);
  return d;
}

// zstd's window limits (its ZSTD_STATIC_LINKING_ONLY constants): the
// smallest, the largest on 64 bits, and what a decoder accepts by default.
constexpr int min_window_log = 10;
constexpr int max_window_log = 31;
constexpr int default_window_log_limit = 27;

// The window a frame needs to reach back over all of `bytes`: a delta's
// matches are in its keyframe, up to prefix + text behind.
int window_log_for(std::size_t bytes) {
  int log = min_window_log;
  while (log < max_window_log && (std::size_t{1} << log) < bytes)
    ++log;
  return log;
}

void check(std::size_t rc, const char* what) {
  if (ZSTD_isError(rc))
    throw std::runtime_error(std::string{"zstd "} + what + ": "
                             + ZSTD_getErrorName(rc));
}

std::string run_compress(ZSTD_CCtx* c, std::string_view text) {
  check(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1), "checksum");
  check(ZSTD_CCtx_setPledgedSrcSize(c, text.size()), "size");
  std::string out(ZSTD_compressBound(text.size()), '\0');
  const auto n =
    ZSTD_compress2(c, out.data(), out.size(), text.data(), text.size());
  check(n, "compress");
  out.resize(n);
  return out;
}

} // namespace

std::string compress(std::string_view text, int level) {
  auto* c = cctx();
  check(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level), "level");
  return run_compress(c, text);
}

std::string compress_against(std::string_view text, std::string_view prefix,
                             int level) {
  auto* c = cctx();
  check(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level), "level");
  // Large enough to reach the start of the keyframe from the end of text
  // (the level's default window may be smaller than a page and its delta).
  check(ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog,
                               window_log_for(prefix.size() + text.size())),
        "window");
  check(ZSTD_CCtx_refPrefix(c, prefix.data(), prefix.size()), "prefix");
  return run_compress(c, text);
}

std::string decompress(std::string_view frame, std::size_t size,
                       std::string_view prefix) {
  const auto declared = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (declared != size)
    throw corrupt_blob("a stored blob declares "
                       + (declared >= ZSTD_CONTENTSIZE_ERROR
                            ? std::string{"no valid size"}
                            : std::to_string(declared) + " bytes")
                       + " where its version has " + std::to_string(size));
  auto* d = dctx();
  // One pass into a buffer of exactly `size` bytes: zstd writes no more,
  // whatever the frame says, and keeps no window of its own.
  ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax,
                         std::max(window_log_for(prefix.size() + size),
                                  default_window_log_limit));
  if (!prefix.empty())
    check(ZSTD_DCtx_refPrefix(d, prefix.data(), prefix.size()), "prefix");
  std::string out(size, '\0');
  const auto n =
    ZSTD_decompressDCtx(d, out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size)
    throw corrupt_blob(std::string{"a stored blob does not decode: "}
                       + (ZSTD_isError(n) ? ZSTD_getErrorName(n)
                                          : "it is too short"));
  return out;
}

} // namespace memoryd::storage::zstd_codec

#pragma once

// Inputs and measurements the codec tests share.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace memoryd::test {

inline constexpr std::size_t KiB = 1024;
inline constexpr std::size_t MiB = 1024 * KiB;

/// `n` pseudo-random bytes, the same for the same seed.
std::string random_bytes(std::size_t n, std::uint32_t seed);

/// `n` bytes of what exports hold: HTML-like markup, prose, numbers,
/// multi-byte UTF-8 and now and then a run of binary, the same for the
/// same seed.
std::string mixed_text(std::size_t n, std::uint32_t seed);

/// gzip of `n` zero bytes, compressed in 1 MiB pieces so that the zeros
/// are never in memory at once.
std::string gzip_of_zeros(std::uint64_t n);

/// The gzip bomb: 1 GiB of zeros at level 6, about 1 MiB. Built on
/// first use and kept, as building it takes seconds.
const std::string& gigabyte_bomb();

/// Whether the exception's message contains `part`, for BOOST_CHECK_EXCEPTION.
template <class E>
auto message_has(std::string_view part) {
  return [part](const E& e) {
    return std::string_view(e.what()).find(part) != std::string_view::npos;
  };
}

/// A new temp directory, removed with everything in it on destruction.
class scratch_dir {
public:
  scratch_dir();
  ~scratch_dir();
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;

  std::filesystem::path operator/(std::string_view name) const;

private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, std::string_view content);
std::string read_file(const std::filesystem::path& path);

/// Runs `command` through /bin/sh; its exit status, -1 if it did not exit.
int shell(const std::string& command);

/// `path` single-quoted for /bin/sh (temp paths hold no quotes).
std::string quoted(const std::filesystem::path& path);

/// The process's resident set now, and the most it ever was.
std::size_t current_rss_bytes();
std::size_t peak_rss_bytes();

} // namespace memoryd::test

#include "tests/codec/samples.hpp"

#include <array>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "codec/gzip.hpp"
#include "tests/support/test_env.hpp"

namespace memoryd::test {

std::string random_bytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string out(n, '\0');
  for (char& c : out)
    c = static_cast<char>(byte(rng));
  return out;
}

std::string mixed_text(std::size_t n, std::uint32_t seed) {
  static constexpr std::array<std::string_view, 12> pieces = {
    "<div class=\"card\">", "</div>\n", "<p>", "</p>\n", "lorem ", "ipsum ",
    "memoryd ", "session ", "Grüße ", "日本語 ", "emoji 🚀 ", "\"quoted\" ",
  };
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() + 2);
  std::string out;
  out.reserve(n + 64);
  while (out.size() < n) {
    const std::size_t i = pick(rng);
    if (i < pieces.size())
      out += pieces[i];
    else if (i == pieces.size())
      out += std::to_string(rng()) + ' ';
    else if (i == pieces.size() + 1 && rng() % 50 == 0) {
      const std::size_t length = rng() % 64;
      out += random_bytes(length, rng());
    }
    else
      out += "\n  ";
  }
  out.resize(n);
  return out;
}

std::string gzip_of_zeros(std::uint64_t n) {
  const std::string zeros(MiB, '\0');
  std::string out;
  codec::gzip_writer writer(
    [&out](std::string_view piece) { out.append(piece); });
  for (std::uint64_t left = n; left > 0;) {
    const std::size_t piece = left < zeros.size() ? left : zeros.size();
    writer.write(std::string_view(zeros).substr(0, piece));
    left -= piece;
  }
  writer.finish();
  return out;
}

const std::string& gigabyte_bomb() {
  static const std::string bomb = gzip_of_zeros(std::uint64_t{1} << 30);
  return bomb;
}

scratch_dir::scratch_dir() : path_(make_temp_dir("memoryd-codec")) {}

scratch_dir::~scratch_dir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::filesystem::path scratch_dir::operator/(std::string_view name) const {
  return path_ / name;
}

void write_file(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out.flush())
    throw std::runtime_error("cannot write " + path.string());
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), {}};
}

int shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string quoted(const std::filesystem::path& path) {
  return "'" + path.string() + "'";
}

std::size_t current_rss_bytes() {
  // /proc/self/statm: total program size, then resident pages.
  std::ifstream statm("/proc/self/statm");
  std::size_t size_pages = 0, resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages))
    throw std::runtime_error("cannot read /proc/self/statm");
  return resident_pages * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

std::size_t peak_rss_bytes() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0)
    throw std::runtime_error("getrusage failed");
  return static_cast<std::size_t>(usage.ru_maxrss) * 1024; // KiB on Linux
}

} // namespace memoryd::test

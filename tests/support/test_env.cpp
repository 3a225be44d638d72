#include "tests/support/test_env.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <system_error>

#include <soci/soci.h>

#include "storage/database.hpp"

namespace memoryd::test {

std::string required_env(const char* name) {
  if (const char* v = std::getenv(name); v != nullptr && *v != '\0')
    return v;
  throw std::runtime_error(std::string{name}
                           + " is not set: run the suite through "
                             "scripts/test.sh, which starts the servers");
}

std::string pg_admin_url() {
  return required_env("MEMORYD_TEST_PG_URL");
}

std::string redis_url() {
  return required_env("MEMORYD_TEST_REDIS_URL");
}

std::string unique_name(std::string_view prefix) {
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  auto n = std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_"
           + std::to_string(rd() % 100000);
  return std::string{prefix} + "_" + n;
}

std::string create_pg_database(std::string_view prefix) {
  auto admin = pg_admin_url();
  auto name = unique_name(prefix);
  for (auto& c : name)
    if (c == '-')
      c = '_';
  {
    // Through parse_database_url: SOCI 4.0.3 mangles a bare URI.
    auto sql = storage::open_database(storage::parse_database_url(admin));
    *sql << "CREATE DATABASE " + name;
  }
  // Replace the database path of the admin URL ("/postgres").
  auto slash = admin.find('/', admin.find("://") + 3);
  auto query = admin.find('?');
  std::string url = admin.substr(0, slash) + "/" + name;
  if (query != std::string::npos)
    url += admin.substr(query);
  return url;
}

std::filesystem::path make_temp_dir(std::string_view prefix) {
  auto dir = std::filesystem::temp_directory_path() / unique_name(prefix);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string create_sqlite_database(std::string_view prefix) {
  return "sqlite://" + (make_temp_dir(prefix) / "memoryd.db").string();
}

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    auto err = errno;
    ::close(fd);
    throw std::system_error(err, std::generic_category(), "bind");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

} // namespace memoryd::test

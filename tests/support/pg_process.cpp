#include "tests/support/pg_process.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <soci/soci.h>

#include "storage/database.hpp"
#include "tests/support/test_env.hpp"

namespace memoryd::test {

namespace {

constexpr int start_attempts = 8;

/// The newest installed PostgreSQL's bin directory.
std::string postgresql_bin() {
  std::string best;
  for (const auto& entry :
       std::filesystem::directory_iterator{"/usr/lib/postgresql"})
    if (std::filesystem::exists(entry.path() / "bin" / "initdb")
        && entry.path().string() > best)
      best = entry.path().string();
  if (best.empty())
    throw std::runtime_error("no PostgreSQL server under /usr/lib/postgresql");
  return best + "/bin";
}

/// PostgreSQL refuses to run as root: run its tools as the postgres user
/// the package made.
std::string as_postgres(const std::string& command) {
  if (::geteuid() != 0)
    return command;
  return "runuser -u postgres -- " + command;
}

std::string read_all(const std::filesystem::path& file) {
  std::ifstream in{file};
  return {std::istreambuf_iterator<char>{in}, {}};
}

} // namespace

pg_process::pg_process()
  : dir_(make_temp_dir("pg-process")), bin_(postgresql_bin()) {
  if (::geteuid() == 0)
    std::system(("chown -R postgres " + dir_.string()).c_str());
  auto initdb = as_postgres(bin_ + "/initdb -D " + (dir_ / "data").string()
                            + " -U memoryd --auth=trust -E UTF8 --locale=C.UTF-8 > "
                            + (dir_ / "initdb.log").string() + " 2>&1");
  if (std::system(initdb.c_str()) != 0)
    throw std::runtime_error("initdb failed: " + read_all(dir_ / "initdb.log"));
  for (int i = 0; i < start_attempts; ++i) {
    port_ = free_port();
    try {
      start();
      return;
    } catch (const std::runtime_error&) {
      // The port was taken meanwhile: another one.
    }
  }
  throw std::runtime_error("PostgreSQL did not start: "
                           + read_all(dir_ / "pg.log"));
}

pg_process::~pg_process() {
  std::system(as_postgres(bin_ + "/pg_ctl -D " + (dir_ / "data").string()
                          + " -m immediate stop > /dev/null 2>&1")
                .c_str());
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::string pg_process::url(const std::string& database) const {
  return "postgresql://memoryd@127.0.0.1:" + std::to_string(port_) + "/"
         + database;
}

std::string pg_process::create_database(const std::string& name) {
  auto sql = storage::open_database(storage::parse_database_url(url()));
  *sql << "CREATE DATABASE " + name;
  return url(name);
}

void pg_process::stop() {
  if (std::system(as_postgres(bin_ + "/pg_ctl -D " + (dir_ / "data").string()
                              + " -m fast -w stop > /dev/null 2>&1")
                    .c_str())
      != 0)
    throw std::runtime_error("pg_ctl stop failed");
}

void pg_process::start() {
  auto command = as_postgres(
    bin_ + "/pg_ctl -D " + (dir_ / "data").string() + " -w -t 30 -l "
    + (dir_ / "pg.log").string() + " -o \"-c listen_addresses=127.0.0.1 -p "
    + std::to_string(port_) + " -k " + dir_.string() + "\" start > /dev/null 2>&1");
  if (std::system(command.c_str()) != 0)
    throw std::runtime_error("pg_ctl start failed on port "
                             + std::to_string(port_) + ": "
                             + read_all(dir_ / "pg.log"));
}

} // namespace memoryd::test

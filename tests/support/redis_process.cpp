#include "tests/support/redis_process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/eventually.hpp"
#include "tests/support/raw_redis.hpp"
#include "tests/support/test_env.hpp"

namespace memoryd::test {

namespace {

using namespace std::chrono_literals;

constexpr int start_attempts = 8;
constexpr auto ready_within = 10s;

// Asks for the server's pid too: whoever else grabbed the port must not
// pass for our child.
bool answers(uint16_t port, pid_t pid, const std::string& password) {
  try {
    raw_redis conn{"127.0.0.1", port, 200ms};
    if (!password.empty())
      conn.command({"AUTH", password});
    auto info = conn.command({"INFO", "server"}).str;
    return info.find("process_id:" + std::to_string(pid) + "\r\n")
           != std::string::npos;
  } catch (const std::runtime_error&) {
    return false;
  }
}

pid_t spawn_redis_server(uint16_t port, const std::string& requirepass,
                         const std::string& dir) {
  auto port_text = std::to_string(port);
  // Built before fork: the child may only make async-signal-safe calls.
  std::vector<const char*> argv{"redis-server", "--port", port_text.c_str(),
                                "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", dir.c_str()};
  if (!requirepass.empty())
    argv.insert(argv.end(), {"--requirepass", requirepass.c_str()});
  argv.push_back(nullptr);
  auto parent = ::getpid();
  auto pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Die with the test process, even if it crashes before its cleanup.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent)
      ::_exit(127);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, STDOUT_FILENO);
    ::dup2(devnull, STDERR_FILENO);
    // The server must not hold the test's own sockets open.
    ::close_range(3, ~0U, 0);
    ::execvp(argv[0], const_cast<char* const*>(argv.data()));
    ::_exit(127);
  }
  return pid;
}

} // namespace

redis_process::redis_process(std::string requirepass)
  : requirepass_(std::move(requirepass)),
    dir_(make_temp_dir("redis-process").string()) {
  for (int i = 0; i < start_attempts; ++i) {
    port_ = free_port();
    if (start())
      return;
  }
  throw std::runtime_error("redis-server did not start on any of "
                           + std::to_string(start_attempts) + " ports");
}

redis_process::~redis_process() {
  kill();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

uint16_t redis_process::port() const {
  return port_;
}

void redis_process::kill() {
  if (pid_ < 0)
    return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void redis_process::restart() {
  kill();
  if (!start())
    throw std::runtime_error("redis-server did not restart on port "
                             + std::to_string(port_));
}

void redis_process::pause() {
  signal(SIGSTOP);
}

void redis_process::resume() {
  signal(SIGCONT);
}

void redis_process::signal(int sig) {
  // Never kill(-1, ...): that would reach every process we may signal.
  if (pid_ <= 0)
    throw std::logic_error("redis_process: the server is not running");
  ::kill(pid_, sig);
}

bool redis_process::start() {
  pid_ = spawn_redis_server(port_, requirepass_, dir_);
  bool exited = false;
  auto ready = eventually(ready_within, [&] {
    exited = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
    return exited || answers(port_, pid_, requirepass_);
  });
  if (exited)
    pid_ = -1;
  else if (!ready)
    kill();
  return ready && !exited;
}

} // namespace memoryd::test

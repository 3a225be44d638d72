#include "tests/support/daemon_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/support/test_env.hpp"

extern char** environ;

namespace memoryd::test {

namespace {

/// Waits for `pid` until `deadline`; the exit code, or nullopt on timeout.
std::optional<int> wait_for_exit(pid_t pid,
                                 std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    int status = 0;
    auto r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0 || std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
}

} // namespace

std::string memoryd_binary() {
  return MEMORYD_BINARY;
}

daemon_process::daemon_process(environment env,
                               std::chrono::milliseconds timeout)
  : daemon_process(std::move(env), no_wait) {
  wait_until_listening(timeout);
}

daemon_process::daemon_process(environment env, no_wait_t) {
  log_path_ = make_temp_dir("memoryd_log") / "memoryd.log";
  env.try_emplace("LISTEN_ADDRESS", "127.0.0.1:0");
  // Build argv and envp before fork: the child only calls exec.
  std::map<std::string, std::string> merged;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry{*e};
    auto eq = entry.find('=');
    if (eq != std::string::npos)
      merged[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (auto& [k, v] : env)
    merged[k] = v;
  std::vector<std::string> entries;
  for (auto& [k, v] : merged)
    entries.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : entries)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  auto binary = memoryd_binary();
  char* argv[] = {binary.data(), nullptr};
  int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw std::runtime_error("cannot create " + log_path_.string());
  auto parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    ::close(fd);
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    if (::getppid() != parent)
      ::_exit(127);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execve(argv[0], argv, envp.data());
    ::_exit(127);
  }
  ::close(fd);
}

void daemon_process::wait_until_listening(std::chrono::milliseconds timeout) {
  static const std::regex listening{R"(listening on \S+:(\d+))"};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    auto text = log();
    if (std::regex_search(text, m, listening)) {
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      auto code = WIFEXITED(status) ? WEXITSTATUS(status)
                                    : 128 + WTERMSIG(status);
      throw std::runtime_error("memoryd exited during start-up with code "
                               + std::to_string(code) + ":\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  kill();
  throw std::runtime_error("memoryd did not listen in time:\n" + log());
}

daemon_process::~daemon_process() {
  kill();
}

std::optional<int> daemon_process::stop(std::chrono::milliseconds timeout) {
  if (pid_ < 0)
    return std::nullopt;
  ::kill(pid_, SIGTERM);
  auto code = wait_for_exit(pid_, std::chrono::steady_clock::now() + timeout);
  if (!code) {
    kill();
    return std::nullopt;
  }
  pid_ = -1;
  return code;
}

void daemon_process::kill() {
  if (pid_ < 0)
    return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string daemon_process::log() const {
  std::ifstream in{log_path_};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

} // namespace memoryd::test

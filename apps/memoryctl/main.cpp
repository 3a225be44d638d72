// memoryctl: the operator's command line for a running memoryd, talking to
// its HTTP API.
//
//   memoryctl [--url http://127.0.0.1:8080] health

#include <cstdlib>
#include <iostream>
#include <string>

#include <boost/json.hpp>
#include <boost/program_options.hpp>

#include "net/http_client.hpp"

namespace {

namespace po = boost::program_options;
using memoryd::net::http_client;

constexpr int exit_ok = 0;
constexpr int exit_unhealthy = 1;
constexpr int exit_usage = 2;
constexpr int exit_unreachable = 3;

const char* usage = R"(Usage: memoryctl [--url URL] COMMAND

Commands:
  health    liveness (/healthz) and readiness (/readyz) of the daemon;
            exits 0 when ready, 1 when not ready, 3 when unreachable

Options:
  --url URL     the daemon's address (default: $MEMORYD_URL or
                http://127.0.0.1:8080)
  --help        this text
)";

/// Prints both probes; readiness decides the exit code.
int health(http_client& client) {
  auto live = client.get("/healthz");
  auto ready = client.get("/readyz");
  std::cout << "healthz: " << live.status << " " << live.body << "\n"
            << "readyz:  " << ready.status << " " << ready.body << "\n";
  return live.status == 200 && ready.status == 200 ? exit_ok : exit_unhealthy;
}

} // namespace

int main(int argc, char** argv) {
  std::string url = std::getenv("MEMORYD_URL") ? std::getenv("MEMORYD_URL")
                                               : "http://127.0.0.1:8080";
  std::string command;
  po::options_description desc;
  desc.add_options()("url", po::value(&url))("help", "")(
    "command", po::value(&command));
  po::positional_options_description positional;
  positional.add("command", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv)
                .options(desc)
                .positional(positional)
                .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "memoryctl: " << e.what() << "\n" << usage;
    return exit_usage;
  }
  if (vm.count("help")) {
    std::cout << usage;
    return exit_ok;
  }
  if (command != "health") {
    std::cerr << (command.empty() ? "memoryctl: no command given\n"
                                  : "memoryctl: unknown command " + command + "\n")
              << usage;
    return exit_usage;
  }
  try {
    auto [host, port] = memoryd::net::parse_endpoint(url);
    http_client client{host, port, std::chrono::seconds{10}};
    return health(client);
  } catch (const std::invalid_argument& e) {
    std::cerr << "memoryctl: --url: " << e.what() << "\n";
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "memoryctl: cannot reach memoryd at " << url << ": " << e.what()
              << "\n";
    return exit_unreachable;
  }
}

// memoryctl: the operator's command line for a running memoryd, talking to
// its HTTP API.
//
//   memoryctl [--url http://127.0.0.1:8080] health
//   memoryctl [--url http://127.0.0.1:8080] cleanup [--dry-run]

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
  cleanup   runs the retention cleanup now (POST /admin/cleanup) and
            prints what it deleted; with --dry-run only counts; exits 0
            when it ran or was skipped for another run, 1 when the daemon
            answered with an error (409: one is already running), 3 when
            unreachable

Options:
  --url URL     the daemon's address (default: $MEMORYD_URL or
                http://127.0.0.1:8080)
  --dry-run     cleanup: count what would be deleted, delete nothing
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

/// Runs the retention cleanup and prints its outcome in a sentence.
int cleanup(http_client& client, bool dry_run) {
  auto res = client.request("POST", dry_run ? "/admin/cleanup?dry_run=true"
                                            : "/admin/cleanup");
  if (res.status != 200) {
    std::cerr << "cleanup: " << res.status << " " << res.body << "\n";
    return exit_unhealthy;
  }
  try {
    const auto body = boost::json::parse(res.body).as_object();
    const auto run = body.at("run_id").as_int64();
    if (body.at("skipped").as_bool()) {
      std::cout << "skipped (run " << run << "): "
                << body.at("reason").as_string().c_str() << "\n";
      return exit_ok;
    }
    std::cout << (dry_run ? "would delete " : "deleted ")
              << body.at("deleted_sessions").as_int64() << " sessions and "
              << body.at("deleted_sites").as_int64()
              << " sites last updated before "
              << body.at("cutoff").as_string().c_str() << " (run " << run
              << ", " << body.at("duration_ms").as_int64() << " ms)\n";
    return exit_ok;
  } catch (const std::exception&) {
    // Another daemon version's answer, say: show it as it came.
    std::cout << "cleanup: 200 " << res.body << "\n";
    return exit_ok;
  }
}

} // namespace

int main(int argc, char** argv) {
  std::string url = std::getenv("MEMORYD_URL") ? std::getenv("MEMORYD_URL")
                                               : "http://127.0.0.1:8080";
  std::string command;
  po::options_description desc;
  desc.add_options()("url", po::value(&url))("help", "")("dry-run", "")(
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
  const bool dry_run = vm.count("dry-run") > 0;
  if (dry_run && command != "cleanup") {
    std::cerr << "memoryctl: --dry-run belongs to cleanup\n" << usage;
    return exit_usage;
  }
  if (command != "health" && command != "cleanup") {
    std::cerr << (command.empty() ? "memoryctl: no command given\n"
                                  : "memoryctl: unknown command " + command + "\n")
              << usage;
    return exit_usage;
  }
  try {
    auto [host, port] = memoryd::net::parse_endpoint(url);
    if (command == "cleanup") {
      // A cleanup of a large backlog takes long; the daemon's own
      // REQUEST_TIMEOUT_MS ends the wait first.
      http_client client{host, port, std::chrono::hours{1}};
      return cleanup(client, dry_run);
    }
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

// memoryd: the daemon. Reads the settings, migrates the database, starts the
// actors and the HTTP server, tells systemd it is ready, and on SIGINT or
// SIGTERM drains in-flight requests and exits 0.

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <set>
#include <thread>

#include <boost/program_options.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <soci/soci.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

#include "actors/daemon.hpp"
#include "apps/memoryd/watchdog.hpp"
#include "net/router.hpp"
#include "telemetry/registry.hpp"
#include "config/config.hpp"
#include "net/server.hpp"
#include "net/tls.hpp"
#include "storage/database.hpp"
#include "storage/migrations.hpp"

namespace {

namespace po = boost::program_options;
using namespace memoryd;

constexpr int exit_usage = 2;    // bad command line or setting
constexpr int exit_failure = 1;  // could not start

/// Parses the command line; nullopt means "exit now with `code`".
std::optional<std::optional<std::filesystem::path>>
parse_command_line(int argc, char** argv, int& code) {
  po::options_description desc;
  desc.add_options()("config", po::value<std::string>(), "TOML config file")(
    "help", "show the settings and exit")("version", "show the version and exit");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, desc), vm);
  } catch (const po::error& e) {
    std::cerr << "memoryd: " << e.what() << "\n" << config::help_text("memoryd");
    code = exit_usage;
    return std::nullopt;
  }
  if (vm.count("help")) {
    std::cout << config::help_text("memoryd");
    code = 0;
    return std::nullopt;
  }
  if (vm.count("version")) {
    std::cout << "memoryd " << MEMORYD_VERSION << "\n";
    code = 0;
    return std::nullopt;
  }
  if (vm.count("config"))
    return std::optional<std::filesystem::path>{vm["config"].as<std::string>()};
  return std::optional<std::filesystem::path>{};
}

void setup_logging(const config::settings& s) {
  auto logger = spdlog::stderr_logger_mt("memoryd");
  // journald adds its own timestamp; a terminal run still wants one.
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(s.log_level));
  spdlog::set_default_logger(logger);
}

/// Applies pending migrations with one short-lived connection.
void migrate(const config::settings& s) {
  auto url = storage::parse_database_url(s.database_url);
  auto sql = storage::open_database(url);
  auto applied = storage::migrate(*sql);
  auto known = storage::migrations_for(*sql).back().number;
  if (storage::schema_version(*sql) > known)
    throw std::runtime_error(
      "the database schema is at version " + std::to_string(storage::schema_version(*sql))
      + ", newer than this memoryd knows (" + std::to_string(known)
      + "): run a newer memoryd");
  spdlog::info("database {}: schema version {} ({} migration(s) applied)",
               url.redacted, storage::schema_version(*sql), applied);
}

/// Says how requests are authenticated (never with a token's text).
void log_access(const config::settings& s) {
  if (s.api_tokens.empty()) {
    spdlog::warn("no API_TOKENS: /api is open to every local process");
  } else {
    std::set<std::string> tenants;
    for (const auto& [tenant, token] : s.api_tokens)
      tenants.insert(tenant.empty() ? "(default)" : tenant);
    spdlog::info("access: {} API token(s) for {} tenant(s), {} admin token(s)",
                 s.api_tokens.size(), tenants.size(), s.admin_tokens.size());
    if (s.admin_tokens.empty())
      spdlog::warn("API_TOKENS without ADMIN_TOKENS: /admin is closed");
  }
  if (!s.api_tokens.empty() && s.tls_cert_file.empty()
      && !config::is_loopback_host(s.listen_host))
    spdlog::warn("bearer tokens travel in clear text over plain HTTP on {}: "
                 "set TLS_CERT_FILE and TLS_KEY_FILE, or put a "
                 "TLS-terminating proxy in front",
                 s.listen_host);
}

/// An actor is judged stalled (in /admin/stats, /metrics and `memoryctl
/// top`) after this long in one handler, or with requests queued untaken.
constexpr std::chrono::milliseconds actor_stall_threshold{2000};

std::size_t or_cores(std::size_t n) {
  return n != 0 ? n : std::max(2u, std::thread::hardware_concurrency());
}

int run(const config::settings& settings) {
  // First: a certificate that cannot serve must stop the start before
  // anything else happened.
  std::shared_ptr<net::tls_context> tls;
  if (!settings.tls_cert_file.empty())
    tls = net::make_server_tls_context(settings.tls_cert_file,
                                       settings.tls_key_file);
  migrate(settings);

  caf::actor_system_config cfg;
  auto actor_threads = or_cores(settings.actor_threads);
  cfg.set("scheduler.max-threads", actor_threads);
  cfg.set("logger.verbosity", caf::atom("quiet"));
  // One queue that idle workers sleep on, rather than work stealing, whose
  // idle workers poll with 50 us sleeps and take the cores the io threads,
  // PostgreSQL and Redis need (docs/architecture.md, "Threads").
  cfg.set("scheduler.policy", caf::atom("sharing"));
  // Before the actor system: the actors hold it until they are gone.
  auto figures = std::make_shared<telemetry::registry>(
    net::route_labels(), MEMORYD_VERSION, actor_stall_threshold);
  caf::actor_system sys{cfg};
  actor_topology actors{sys, settings, actor_threads * 2, figures};

  net::server_options options;
  options.host = settings.listen_host;
  options.port = settings.listen_port;
  options.threads = or_cores(settings.http_threads);
  options.max_body_bytes = settings.max_body_bytes;
  options.request_timeout = settings.request_timeout;
  options.idle_timeout = settings.idle_timeout;
  options.max_connections = settings.max_connections;
  options.max_in_flight = settings.max_in_flight;
  options.access = net::access_policy{settings.api_tokens,
                                      settings.admin_tokens,
                                      settings.api_token_agents};
  options.tls = tls;
  options.metrics = &figures->http();
  options.direct = actors.direct();
  net::server server{options,
                     [&actors](uint64_t connection, api_request req,
                               responder_ptr rsp) {
                       actors.dispatch(connection, std::move(req), std::move(rsp));
                     }};
  auto port = server.listen();
  server.start();
  spdlog::info("memoryd {} listening on {}://{}:{} (database {}, cache {})",
               MEMORYD_VERSION, tls ? "https" : "http", settings.listen_host,
               port,
               storage::parse_database_url(settings.database_url).redacted,
               settings.redis_url.empty() ? "in-process" : "redis");
  log_access(settings);
  sd_notify(0, "READY=1");
  watchdog dog{sys, actors.probe()};

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  int signal = 0;
  sigwait(&stop_signals, &signal);

  spdlog::info("received {}, draining in-flight requests (at most {} ms)",
               strsignal(signal), settings.shutdown_grace.count());
  sd_notify(0, "STOPPING=1");
  dog.stop();
  actors.release_waiters();  // long polls answer now instead of draining
  server.shutdown(settings.shutdown_grace);
  actors.stop();
  spdlog::info("stopped");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts, so every thread
  // inherits the mask and only sigwait() in main sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  int code = 0;
  auto config_file = parse_command_line(argc, argv, code);
  if (!config_file)
    return code;
  config::settings settings;
  try {
    settings = config::load(*config_file, config::process_env());
  } catch (const config::config_error& e) {
    std::cerr << "memoryd: " << e.what() << "\n";
    return exit_usage;
  }
  setup_logging(settings);
  try {
    return run(settings);
  } catch (const net::tls_error& e) {
    spdlog::critical("cannot start: invalid {}=\"{}\": {}",
                     e.which == net::tls_error::file::certificate
                       ? "TLS_CERT_FILE"
                       : "TLS_KEY_FILE",
                     e.path, e.reason);
    return exit_usage;
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
    return exit_failure;
  }
}

// memoryctl: the operator's command line for a running memoryd, talking to
// its HTTP API.
//
//   memoryctl [--url URL] [--cacert FILE] [--token-file FILE] health
//   memoryctl export SESSION_ID [-o FILE] [--no-sites] [--uncompressed]
//   memoryctl import FILE
//   memoryctl cleanup [--dry-run]
//   memoryctl top [--once | --json] [--interval SECONDS]

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <boost/system/system_error.hpp>

#include "apps/memoryctl/top.hpp"
#include "net/http_client.hpp"

namespace {

namespace json = boost::json;
namespace po = boost::program_options;
using memoryd::net::http_client;
using memoryd::net::http_result;

constexpr int exit_ok = 0;
constexpr int exit_refused = 1;  // also: health says not ready
constexpr int exit_usage = 2;
constexpr int exit_unreachable = 3;
constexpr int exit_file = 4;

const char* usage = R"(Usage: memoryctl [OPTIONS] COMMAND [ARGS]

Commands:
  health              liveness (/healthz) and readiness (/readyz) of the
                      daemon; exits 1 when not ready
  export SESSION_ID   writes the session's export (the daemon's answer to
                      POST /api/sessions/export) to stdout or to -o FILE
  import FILE         restores an export made by `memoryctl export` (FILE
                      may be - for stdin) as a new session, and prints its
                      id and how many sites and versions it holds
  cleanup             runs the retention cleanup now (POST /admin/cleanup)
                      and prints what it deleted; exits 0 also when it was
                      skipped because another run holds the lock, 1 on an
                      error (409: one is already running in this daemon)
  top                 the live console: per-actor messages, mailboxes,
                      latencies and stalls from GET /admin/stats (an admin
                      token when the daemon has them); h in it for its keys
                      (docs/operations.md, "The console: memoryctl top")

Options:
  --url URL           the daemon's address, http:// or https:// (default:
                      $MEMORYD_URL or http://127.0.0.1:8080)
  --cacert FILE       https: the CA certificates (PEM) to trust the daemon's
                      certificate with (default: $MEMORYD_CACERT, else the
                      system's CAs)
  --token-file FILE   the bearer token: the file's first line that is not
                      empty or a # comment (e.g. a systemd credential)
  --token TOKEN       the bearer token itself (visible in `ps`: prefer
                      --token-file or $MEMORYD_TOKEN); an API token for
                      export and import, an admin token for cleanup and
                      top
  --timeout SECONDS   how long to wait for the daemon (default: 10 for
                      health, 5 for top, 300 for export and import, 3600
                      for cleanup)
  -o, --output FILE   export: write to FILE (atomically: FILE.tmp, fsync,
                      rename), not stdout
  --no-sites          export: the session and its preferences only
  --uncompressed      export: the document as JSON, not base64(gzip)
  --dry-run           cleanup: count what would be deleted, delete nothing
  --once              top: print one frame as plain text and exit
  --json              top: print the daemon's stats document and exit
  --interval SECONDS  top: between frames (default 2; 0.5 to 60)
  --help              this text

Exit codes: 0 done, 1 the daemon refused (its error on stderr), 2 usage
(also: top without a terminal and without --once or --json), 3 daemon
unreachable or timed out (also: its TLS certificate is not trusted), 4 a
local file could not be read or written, or is not an export.
)";

struct options {
  std::string url;
  std::string cacert;             // empty: the system's CAs
  std::string token;  // --token, else --token-file, else $MEMORYD_TOKEN
  std::string token_file;
  std::vector<std::string> args;  // after the command
  int timeout_seconds = 0;        // 0: the command's default
  std::string output;
  bool no_sites = false;
  bool uncompressed = false;
  bool dry_run = false;
  bool once = false;
  bool json = false;
  double interval_seconds = 2;
};

/// Trouble with a local file; main() turns it into exit_file.
struct file_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string errno_text() {
  return std::strerror(errno);
}

/// Prints a refusal: the error envelope's type and message when the body is
/// one, else the status and the start of the body. Returns exit_refused.
int refused(const http_result& r) {
  std::string type, message, request_id;
  json::error_code ec;
  auto body = json::parse(r.body, ec);
  const auto* error = !ec && body.is_object() ? body.as_object().if_contains("error")
                                              : nullptr;
  if (error != nullptr && error->is_object()) {
    const auto& e = error->as_object();
    auto text = [&](std::string_view key) {
      const auto* v = e.if_contains(key);
      return v != nullptr && v->is_string() ? std::string{v->get_string()}
                                            : std::string{};
    };
    std::cerr << "memoryctl: " << r.status << " " << text("type") << ": "
              << text("message");
    if (auto id = text("request_id"); !id.empty())
      std::cerr << " (request " << id << ")";
    std::cerr << "\n";
  } else {
    std::cerr << "memoryctl: the daemon answered " << r.status << ": "
              << r.body.substr(0, 200) << "\n";
  }
  return exit_refused;
}

/// Writes `data` to fd; throws file_error naming `path`.
void write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    auto n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      throw file_error("cannot write " + path + ": " + errno_text());
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

/// Replaces `path` with `data` or leaves it as it was: writes path.tmp,
/// fsyncs it, renames it over `path` and fsyncs the directory.
void write_file_atomically(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0)
    throw file_error("cannot create " + tmp + ": " + errno_text());
  try {
    write_all(fd, data, tmp);
    if (::fsync(fd) != 0)
      throw file_error("cannot fsync " + tmp + ": " + errno_text());
    int rc = ::close(fd);
    fd = -1;
    if (rc != 0)
      throw file_error("cannot write " + tmp + ": " + errno_text());
    if (::rename(tmp.c_str(), path.c_str()) != 0)
      throw file_error("cannot rename " + tmp + " to " + path + ": "
                       + errno_text());
  } catch (...) {
    if (fd >= 0)
      ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  // The rename itself must survive a crash too.
  auto dir = std::filesystem::path{path}.parent_path();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::string read_file(const std::string& path) {
  if (path == "-")
    return {std::istreambuf_iterator<char>{std::cin}, {}};
  std::ifstream in{path, std::ios::binary};
  if (!in)
    throw file_error("cannot read " + path + ": " + errno_text());
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  if (in.bad())
    throw file_error("cannot read " + path + ": " + errno_text());
  return text;
}

/// The JSON text of an export (the daemon's 200 body, as a file holds it),
/// parsed and checked to be one; throws file_error naming `what`.
json::object parse_export(std::string_view text, const std::string& what) {
  json::parse_options opts;
  opts.max_depth = 4096;  // the daemon enforces its own limit
  json::error_code ec;
  auto value = json::parse(text, ec, {}, opts);
  if (ec)
    throw file_error(what + " is not JSON: " + ec.message());
  auto* obj = value.if_object();
  const json::value* format = obj != nullptr ? obj->if_contains("format") : nullptr;
  if (format == nullptr || !format->is_string()
      || format->get_string() != "memoryd-session" || !obj->contains("data"))
    throw file_error(what + " is not a memoryd session export (no \"format\": "
                            "\"memoryd-session\" with \"data\")");
  return std::move(*obj);
}

/// Prints both probes; readiness decides the exit code.
int health(http_client& client, const options&) {
  auto live = client.get("/healthz");
  auto ready = client.get("/readyz");
  std::cout << "healthz: " << live.status << " " << live.body << "\n"
            << "readyz:  " << ready.status << " " << ready.body << "\n";
  return live.status == 200 && ready.status == 200 ? exit_ok : exit_refused;
}

/// POST /api/sessions/export; the answer, byte for byte, to stdout or -o.
int export_session(http_client& client, const options& opt) {
  json::object request{{"session_id", opt.args.at(0)},
                       {"include_sites", !opt.no_sites},
                       {"compress", !opt.uncompressed}};
  auto r = client.request("POST", "/api/sessions/export", json::serialize(request));
  if (r.status != 200)
    return refused(r);
  try {
    parse_export(r.body, "the daemon's answer");
  } catch (const file_error& e) {
    std::cerr << "memoryctl: " << e.what() << "; nothing written\n";
    return exit_refused;
  }
  if (opt.output.empty() || opt.output == "-") {
    std::cout << r.body << std::flush;
    if (!std::cout)
      throw file_error("cannot write to stdout");
    return exit_ok;
  }
  write_file_atomically(opt.output, r.body);
  std::cerr << "exported session " << opt.args[0] << " to " << opt.output
            << " (" << r.body.size() << " bytes)\n";
  return exit_ok;
}

/// POST /api/sessions/import with the data of an export file.
int import_session(http_client& client, const options& opt) {
  const auto& path = opt.args.at(0);
  auto file = parse_export(read_file(path), path == "-" ? "stdin" : path);
  json::object request;
  auto& data = request["data"] = std::move(file["data"]);
  const auto* compressed = file.if_contains("compressed");
  request["compressed"] = compressed != nullptr && compressed->is_bool()
                            ? compressed->get_bool()
                            : data.is_string();
  file.clear();
  auto r = client.request("POST", "/api/sessions/import", json::serialize(request));
  if (r.status != 201)
    return refused(r);
  json::error_code ec;
  auto body = json::parse(r.body, ec);
  const auto* answer = !ec ? body.if_object() : nullptr;
  if (answer == nullptr || !answer->contains("session_id")) {
    std::cerr << "memoryctl: the daemon answered 201 with an unexpected body: "
              << r.body.substr(0, 200) << "\n";
    return exit_refused;
  }
  auto text = [&](std::string_view key) {
    const auto* v = answer->if_contains(key);
    return v == nullptr ? std::string{"?"}
           : v->is_string() ? std::string{v->get_string()}
                            : json::serialize(*v);
  };
  std::cout << "imported session " << text("session_id") << ": "
            << text("sites") << " sites, " << text("versions") << " versions\n";
  return exit_ok;
}

/// Runs the retention cleanup and prints its outcome in a sentence.
int cleanup(http_client& client, const options& opt) {
  const bool dry_run = opt.dry_run;
  auto res = client.request("POST", dry_run ? "/admin/cleanup?dry_run=true"
                                            : "/admin/cleanup");
  if (res.status != 200)
    return refused(res);
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

struct command {
  std::string_view name;
  int (*run)(http_client&, const options&);
  std::size_t arguments;
  int default_timeout_seconds;
};

constexpr command commands[] = {
  {"health", health, 0, 10},
  {"export", export_session, 1, 300},
  {"import", import_session, 1, 300},
  {"cleanup", cleanup, 0, 3600},
  {"top", nullptr, 0, 5},  // run by main: it may reconnect
};

/// The token of a token file: its first line that is neither empty nor a
/// comment, without surrounding white space.
std::string read_token_file(const std::string& path) {
  std::ifstream in{path};
  if (!in)
    throw file_error("cannot read the token file " + path + ": "
                     + errno_text());
  std::string line;
  while (std::getline(in, line)) {
    auto begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos || line[begin] == '#')
      continue;
    return line.substr(begin, line.find_last_not_of(" \t\r") - begin + 1);
  }
  throw file_error("the token file " + path + " holds no token");
}

int usage_error(const std::string& message) {
  std::cerr << "memoryctl: " << message << "\n" << usage;
  return exit_usage;
}

} // namespace

int main(int argc, char** argv) {
  options opt;
  opt.url = std::getenv("MEMORYD_URL") ? std::getenv("MEMORYD_URL")
                                       : "http://127.0.0.1:8080";
  if (const char* cacert = std::getenv("MEMORYD_CACERT"))
    opt.cacert = cacert;
  std::string name;
  po::options_description desc;
  desc.add_options()("url", po::value(&opt.url))(
    "cacert", po::value(&opt.cacert))("token", po::value(&opt.token))(
    "token-file", po::value(&opt.token_file))(
    "timeout", po::value(&opt.timeout_seconds))(
    "output,o", po::value(&opt.output))("no-sites", po::bool_switch(&opt.no_sites))(
    "uncompressed", po::bool_switch(&opt.uncompressed))(
    "dry-run", po::bool_switch(&opt.dry_run))("once", po::bool_switch(&opt.once))(
    "json", po::bool_switch(&opt.json))(
    "interval", po::value(&opt.interval_seconds))("help", "")(
    "command", po::value(&name))("args", po::value(&opt.args));
  po::positional_options_description positional;
  positional.add("command", 1).add("args", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv)
                .options(desc)
                .positional(positional)
                .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }
  if (vm.count("help")) {
    std::cout << usage;
    return exit_ok;
  }
  if (name.empty())
    return usage_error("no command given");
  const command* cmd = nullptr;
  for (const auto& c : commands)
    if (c.name == name)
      cmd = &c;
  if (cmd == nullptr)
    return usage_error("unknown command " + name);
  if (opt.args.size() != cmd->arguments)
    return usage_error(name + " takes " + std::to_string(cmd->arguments)
                       + " argument" + (cmd->arguments == 1 ? "" : "s")
                       + ", got " + std::to_string(opt.args.size()));
  if (name != "export" && (!opt.output.empty() || opt.no_sites || opt.uncompressed))
    return usage_error("-o, --no-sites and --uncompressed are for export");
  if (name != "cleanup" && opt.dry_run)
    return usage_error("--dry-run is for cleanup");
  if (name != "top" && (opt.once || opt.json || vm.count("interval")))
    return usage_error("--once, --json and --interval are for top");
  if (opt.once && opt.json)
    return usage_error("--once and --json exclude each other");
  if (vm.count("interval")
      && !(opt.interval_seconds >= memoryctl::min_interval_seconds
           && opt.interval_seconds <= memoryctl::max_interval_seconds))
    return usage_error("--interval must be 0.5 to 60 seconds");
  if (vm.count("timeout") && opt.timeout_seconds <= 0)
    return usage_error("--timeout must be a positive number of seconds");
  const int timeout =
    opt.timeout_seconds > 0 ? opt.timeout_seconds : cmd->default_timeout_seconds;
  memoryd::net::endpoint endpoint;
  try {
    endpoint = memoryd::net::parse_endpoint(opt.url);
  } catch (const std::invalid_argument& e) {
    return usage_error(std::string{"--url: "} + e.what());
  }
  std::optional<http_client> client;
  try {
    client.emplace(endpoint, opt.cacert, std::chrono::seconds{timeout});
  } catch (const std::invalid_argument& e) {
    std::cerr << "memoryctl: --cacert: " << e.what() << "\n";
    return exit_file;
  }
  try {
    if (opt.token.empty() && !opt.token_file.empty())
      opt.token = read_token_file(opt.token_file);
    if (opt.token.empty() && std::getenv("MEMORYD_TOKEN") != nullptr)
      opt.token = std::getenv("MEMORYD_TOKEN");
    client->set_bearer_token(opt.token);
    if (cmd->run == nullptr) {
      memoryctl::top_options top;
      top.url = opt.url;
      top.once = opt.once;
      top.json = opt.json;
      top.interval_seconds = opt.interval_seconds;
      // The first client, then fresh ones after a failure.
      memoryctl::client_factory connect = [&]() {
        if (client) {
          auto first = std::move(*client);
          client.reset();
          return first;
        }
        http_client fresh{endpoint, opt.cacert, std::chrono::seconds{timeout}};
        fresh.set_bearer_token(opt.token);
        return fresh;
      };
      return memoryctl::top(top, connect);
    }
    return cmd->run(*client, opt);
  } catch (const file_error& e) {
    std::cerr << "memoryctl: " << e.what() << "\n";
    return exit_file;
  } catch (const memoryd::net::tls_handshake_error& e) {
    std::cerr << "memoryctl: cannot reach memoryd at " << opt.url << ": "
              << e.what() << "; --cacert (or MEMORYD_CACERT) names the CA "
              << "that signed its certificate, which must name the URL's "
              << "host\n";
    return exit_unreachable;
  } catch (const std::exception& e) {
    // Beast's errors say where in Boost they were thrown; the code suffices.
    const auto* sys = dynamic_cast<const boost::system::system_error*>(&e);
    std::cerr << "memoryctl: cannot reach memoryd at " << opt.url
              << " (or no answer within " << timeout << " s): "
              << (sys != nullptr ? sys->code().message() : e.what()) << "\n";
    return exit_unreachable;
  }
}

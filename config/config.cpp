#include "config/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <toml++/toml.h>

namespace memoryd::config {

namespace {

std::string upper(std::string_view s) {
  std::string out{s};
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  return out;
}

[[noreturn]] void fail(std::string_view key, std::string_view value,
                       std::string_view source, std::string_view expected) {
  std::ostringstream msg;
  msg << "invalid " << key << "=\"" << value << "\" (from " << source
      << "): expected " << expected;
  throw config_error(msg.str());
}

/// A whole unsigned number within [lo, hi], or fail().
uint64_t parse_uint(std::string_view key, std::string_view value,
                    std::string_view source, uint64_t lo, uint64_t hi) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc{} || end != value.data() + value.size()
      || n < lo || n > hi)
    fail(key, value, source,
         "a whole number from " + std::to_string(lo) + " to "
           + std::to_string(hi));
  return n;
}

struct option {
  option_doc doc;
  std::function<void(settings&, std::string_view value, std::string_view source)>
    set;
};

/// Setter for a size_t member within [lo, hi].
template <class T>
auto number(T settings::*member, uint64_t lo, uint64_t hi, std::string_view key) {
  return [=](settings& s, std::string_view v, std::string_view src) {
    s.*member = static_cast<T>(parse_uint(key, v, src, lo, hi));
  };
}

/// Setter for a duration member given as a whole number of `Unit`s.
template <class Duration>
auto duration(Duration settings::*member, uint64_t lo, uint64_t hi,
              std::string_view key) {
  return [=](settings& s, std::string_view v, std::string_view src) {
    s.*member = Duration{parse_uint(key, v, src, lo, hi)};
  };
}

void set_database_url(settings& s, std::string_view v, std::string_view src) {
  if (!(v.starts_with("sqlite://") || v.starts_with("postgresql://")
        || v.starts_with("postgres://"))
      || v.find("://") + 3 == v.size())
    fail("DATABASE_URL", v, src,
         "postgresql://user:password@host:port/db or sqlite:///path/file.db");
  s.database_url = v;
}

void set_redis_url(settings& s, std::string_view v, std::string_view src) {
  if (!v.empty() && (!v.starts_with("redis://") || v.size() == 8))
    fail("REDIS_URL", v, src, "redis://host:port/db (or empty for the "
                              "in-process cache)");
  s.redis_url = v;
}

void set_cleanup_at(settings& s, std::string_view v, std::string_view src) {
  auto colon = v.find(':');
  if (v.size() != 5 || colon != 2)
    fail("CLEANUP_AT", v, src, "HH:MM (UTC, 24-hour)");
  s.cleanup_hour = static_cast<int>(parse_uint("CLEANUP_AT", v.substr(0, 2), src, 0, 23));
  s.cleanup_minute = static_cast<int>(parse_uint("CLEANUP_AT", v.substr(3), src, 0, 59));
}

void set_listen_address(settings& s, std::string_view v, std::string_view src) {
  // host:port, or [v6]:port
  auto colon = v.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    fail("LISTEN_ADDRESS", v, src, "host:port, e.g. 127.0.0.1:8080");
  auto host = v.substr(0, colon);
  if (host.starts_with('[') && host.ends_with(']'))
    host = host.substr(1, host.size() - 2);
  s.listen_host = host;
  s.listen_port = static_cast<uint16_t>(
    parse_uint("LISTEN_ADDRESS", v.substr(colon + 1), src, 0, 65535));
}

/// Setter for a string member kept as given (parsed later).
auto text(std::string settings::*member) {
  return [=](settings& s, std::string_view v, std::string_view) {
    s.*member = v;
  };
}

void set_log_level(settings& s, std::string_view v, std::string_view src) {
  static constexpr std::string_view levels[]
    = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  if (std::find(std::begin(levels), std::end(levels), v) == std::end(levels))
    fail("LOG_LEVEL", v, src, "trace, debug, info, warn, error, critical or off");
  s.log_level = v;
}

const std::vector<option>& table() {
  constexpr uint64_t max_u32 = std::numeric_limits<uint32_t>::max();
  static const std::vector<option> options = {
    {{"DATABASE_URL", "sqlite:///var/lib/memoryd/memoryd.db",
      "postgresql://... or sqlite://..."},
     set_database_url},
    {{"REDIS_URL", "(unset: in-process cache)", "redis://host:port/db"},
     set_redis_url},
    {{"SESSION_TTL_HOURS", "24", "cache TTL of a session"},
     duration(&settings::session_ttl, 1, 24 * 365, "SESSION_TTL_HOURS")},
    {{"SITE_CACHE_TTL_SECONDS", "3600", "cache TTL of a site"},
     duration(&settings::site_cache_ttl, 1, 86400 * 365, "SITE_CACHE_TTL_SECONDS")},
    {{"SESSION_CLEANUP_DAYS", "90",
      "retention: sessions not updated for longer are removed"},
     number(&settings::session_cleanup_days, 1, 36500, "SESSION_CLEANUP_DAYS")},
    {{"CLEANUP_AT", "02:00", "daily cleanup time, UTC (HH:MM)"}, set_cleanup_at},
    {{"DATABASE_POOL_SIZE", "20", "database connections"},
     number(&settings::database_pool_size, 1, 1000, "DATABASE_POOL_SIZE")},
    {{"DATABASE_QUEUE_LIMIT", "32",
      "requests that may wait for each database connection (0: no limit); "
      "past it, on every connection, a request is 503 at once"},
     number(&settings::database_queue_limit, 0, 1000000,
            "DATABASE_QUEUE_LIMIT")},
    {{"DATABASE_STATEMENT_TIMEOUT_MS", "15000",
      "longest a PostgreSQL statement may run (0: no limit); past it the "
      "request is 503"},
     duration(&settings::statement_timeout, 0, 3600000,
              "DATABASE_STATEMENT_TIMEOUT_MS")},
    {{"DATABASE_LOCK_TIMEOUT_MS", "5000",
      "longest a statement waits for a row lock (PostgreSQL) or another "
      "writer (SQLite, whole seconds) (0: no limit); past it the request is "
      "503"},
     duration(&settings::lock_timeout, 0, 3600000, "DATABASE_LOCK_TIMEOUT_MS")},
    {{"REDIS_MAX_CONNECTIONS", "50", "Redis connections"},
     number(&settings::redis_max_connections, 1, 1000, "REDIS_MAX_CONNECTIONS")},
    {{"REDIS_TIMEOUT_MS", "200",
      "Redis connect and command timeout; a slower Redis counts as a miss"},
     duration(&settings::redis_timeout, 1, 60000, "REDIS_TIMEOUT_MS")},
    {{"LISTEN_ADDRESS", "127.0.0.1:8080",
      "host:port of the HTTP server; port 0 picks a free one and logs it"},
     set_listen_address},
    {{"TLS_CERT_FILE", "(unset: plain HTTP)",
      "PEM certificate chain (server certificate first); with TLS_KEY_FILE "
      "the server speaks HTTPS only (TLS 1.2+)"},
     text(&settings::tls_cert_file)},
    {{"TLS_KEY_FILE", "(unset: plain HTTP)",
      "PEM private key of TLS_CERT_FILE's certificate"},
     text(&settings::tls_key_file)},
    {{"MAX_BODY_BYTES", "33554432", "largest request body; larger gets 413"},
     number(&settings::max_body_bytes, 1024, max_u32, "MAX_BODY_BYTES")},
    {{"MAX_IMPORT_BYTES", "268435456", "largest decompressed import document"},
     number(&settings::max_import_bytes, 1024, uint64_t{1} << 40, "MAX_IMPORT_BYTES")},
    {{"MAX_JSON_DEPTH", "64", "deepest nesting accepted in a JSON body"},
     number(&settings::max_json_depth, 2, 1000, "MAX_JSON_DEPTH")},
    {{"MAX_CONNECTIONS", "10000",
      "open connections past which a new one is answered 503 and closed"},
     number(&settings::max_connections, 1, 1000000, "MAX_CONNECTIONS")},
    {{"MAX_IN_FLIGHT", "1024",
      "requests in flight past which a new one is answered 503 at once "
      "(health checks and metrics excepted)"},
     number(&settings::max_in_flight, 1, 1000000, "MAX_IN_FLIGHT")},
    {{"CACHE_MAX_BYTES", "268435456",
      "memory bound of the in-process cache (without REDIS_URL)"},
     number(&settings::cache_max_bytes, 0, uint64_t{1} << 40, "CACHE_MAX_BYTES")},
    {{"HTTP_THREADS", "0", "HTTP I/O threads (0: one per core)"},
     number(&settings::http_threads, 0, 256, "HTTP_THREADS")},
    {{"ACTOR_THREADS", "0", "actor scheduler threads (0: one per core)"},
     number(&settings::actor_threads, 0, 256, "ACTOR_THREADS")},
    {{"SITE_SHARDS", "1",
      "site actors; each folds its sites' new versions into shared "
      "transactions, so fewer gather more versions per commit"},
     number(&settings::site_shards, 1, 256, "SITE_SHARDS")},
    {{"REQUEST_TIMEOUT_MS", "30000",
      "deadline from a request's first byte to its response"},
     duration(&settings::request_timeout, 10, 3600000, "REQUEST_TIMEOUT_MS")},
    {{"IDLE_TIMEOUT_MS", "60000", "keep-alive connections idle longer are closed"},
     duration(&settings::idle_timeout, 10, 3600000, "IDLE_TIMEOUT_MS")},
    {{"SHUTDOWN_GRACE_MS", "10000",
      "on SIGTERM, how long in-flight requests may take to finish"},
     duration(&settings::shutdown_grace, 0, 3600000, "SHUTDOWN_GRACE_MS")},
    {{"LOG_LEVEL", "info", "trace, debug, info, warn, error, critical, off"},
     set_log_level},
    {{"CLEANUP_BATCH_SIZE", "500",
      "sessions the retention cleanup deletes per transaction"},
     number(&settings::cleanup_batch_size, 1, 100000, "CLEANUP_BATCH_SIZE")},
    {{"CLEANUP_BATCH_PAUSE_MS", "10",
      "the retention cleanup's rest between batches, leaving the database "
      "to the requests"},
     duration(&settings::cleanup_batch_pause, 0, 10000, "CLEANUP_BATCH_PAUSE_MS")},
    {{"CLEANUP_BATCH_REST_PERCENT", "0",
      "the retention cleanup's further rest after a batch, in percent of "
      "the time that batch took (it backs off when the database is slow)"},
     number(&settings::cleanup_batch_rest_percent, 0, 10000,
            "CLEANUP_BATCH_REST_PERCENT")},
    {{"IDEMPOTENCY_KEY_HOURS", "24",
      "how long a write's Idempotency-Key is remembered"},
     duration(&settings::idempotency_key_ttl, 1, 24 * 365, "IDEMPOTENCY_KEY_HOURS")},
    {{"EVENT_RETENTION_HOURS", "168",
      "how long the change feed keeps an event (older cursors get 410)"},
     duration(&settings::event_retention, 1, 24 * 3650,
              "EVENT_RETENTION_HOURS")},
    {{"EVENT_MAX_WAITING", "256",
      "GET /api/events requests that may wait for events at once; one "
      "more is answered 503"},
     number(&settings::event_max_waiting, 1, 100000, "EVENT_MAX_WAITING")},
    {{"EVENT_POLL_MS", "200",
      "how often waiting feed requests look for other daemons' writes"},
     duration(&settings::event_poll_interval, 10, 60000, "EVENT_POLL_MS")},
    {{"API_TOKENS", "(unset: no authentication, loopback only)",
      "comma-separated bearer tokens for /api, each token or tenant:token, "
      "optionally bound to an agent with @agent (at least 128 bits each)"},
     text(&settings::api_tokens_text)},
    {{"API_TOKENS_FILE", "(unset)",
      "a file of more API tokens, one or comma-separated per line (# "
      "comments), e.g. a systemd credential"},
     text(&settings::api_tokens_file)},
    {{"ADMIN_TOKENS", "(unset)", "comma-separated bearer tokens for /admin"},
     text(&settings::admin_tokens_text)},
    {{"ADMIN_TOKENS_FILE", "(unset)", "a file of more admin tokens"},
     text(&settings::admin_tokens_file)},
  };
  return options;
}

/// A TOML value as the text the key's parser reads.
std::string toml_to_text(const toml::node& node, std::string_view key,
                         std::string_view source) {
  if (auto s = node.value<std::string>(); s && node.is_string())
    return *s;
  if (node.is_integer())
    return std::to_string(*node.value<int64_t>());
  if (node.is_boolean())
    return *node.value<bool>() ? "true" : "false";
  std::ostringstream type;
  type << "(a TOML " << node.type() << ")";
  fail(key, type.str(), source, "a string or an integer");
}

} // namespace

const std::vector<option_doc>& documented_options() {
  static const std::vector<option_doc> docs = [] {
    std::vector<option_doc> out;
    for (const auto& o : table())
      out.push_back(o.doc);
    return out;
  }();
  return docs;
}

env_lookup process_env() {
  return [](const char* name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name))
      return std::string{v};
    return std::nullopt;
  };
}

void apply(settings& s, std::string_view key, std::string_view value,
           std::string_view source) {
  auto name = upper(key);
  for (const auto& o : table()) {
    if (o.doc.name == name) {
      o.set(s, value, source);
      return;
    }
  }
  throw config_error("unknown setting " + std::string{key} + " (from "
                     + std::string{source} + "); memoryd --help lists them");
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost")
    return true;
  std::string text{host};
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, text.c_str(), &v6) == 1
         && IN6_IS_ADDR_LOOPBACK(&v6);
}

void validate(const settings& s) {
  // Half a TLS configuration would serve plain HTTP where HTTPS was meant.
  if (s.tls_cert_file.empty() != s.tls_key_file.empty()) {
    auto [unset, set] = s.tls_cert_file.empty()
                          ? std::pair{"TLS_CERT_FILE", "TLS_KEY_FILE"}
                          : std::pair{"TLS_KEY_FILE", "TLS_CERT_FILE"};
    throw config_error(std::string{unset} + " is unset but " + set
                       + " is set: HTTPS needs both, plain HTTP neither");
  }
  if (s.api_tokens.empty() && !is_loopback_host(s.listen_host))
    throw config_error(
      "invalid LISTEN_ADDRESS=\"" + s.listen_host + ":"
      + std::to_string(s.listen_port)
      + "\": without API_TOKENS memoryd serves only a loopback address "
        "(127.0.0.0/8, ::1, localhost); put a proxy in front of it");
}

settings load(const std::optional<std::filesystem::path>& file,
              const env_lookup& env) {
  settings s;
  if (file) {
    auto source = "config file " + file->string();
    toml::table tbl;
    try {
      tbl = toml::parse_file(file->string());
    } catch (const toml::parse_error& e) {
      std::ostringstream msg;
      msg << source << ": " << e.description() << " at line "
          << e.source().begin.line << ", column " << e.source().begin.column;
      throw config_error(msg.str());
    }
    for (auto&& [key, node] : tbl)
      apply(s, key.str(), toml_to_text(node, key.str(), source), source);
  }
  for (const auto& o : table()) {
    auto name = std::string{o.doc.name};
    if (auto v = env(name.c_str()))
      o.set(s, *v, "environment");
  }
  resolve_tokens(s);
  validate(s);
  return s;
}

std::string help_text(std::string_view program) {
  std::ostringstream out;
  out << "Usage: " << program << " [--config FILE] [--help] [--version]\n\n"
      << "Settings come from defaults, then the TOML config file (keys as "
         "below), then environment variables of the same names.\n\n";
  for (const auto& o : table())
    out << "  " << o.doc.name << "\n      " << o.doc.meaning
        << " (default: " << o.doc.default_value << ")\n";
  return out.str();
}

} // namespace memoryd::config

#pragma once

// memoryd's settings: defaults, then a TOML config file, then environment
// variables of the contract's names. Every source goes through the same
// parser per key, so a bad value is reported the same way wherever it came
// from: with the key, the value and what was expected.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace memoryd::config {

struct settings {
  std::string database_url = "sqlite:///var/lib/memoryd/memoryd.db";
  std::string redis_url;  // empty: the in-process cache
  std::chrono::hours session_ttl{24};
  std::chrono::seconds site_cache_ttl{3600};
  int session_cleanup_days = 90;
  int cleanup_hour = 2;  // CLEANUP_AT, UTC
  int cleanup_minute = 0;
  std::size_t database_pool_size = 20;
  std::size_t database_queue_limit = 32;  // per connection; 0: none
  std::chrono::milliseconds statement_timeout{15000};  // 0: none
  std::chrono::milliseconds lock_timeout{5000};        // 0: none
  std::size_t redis_max_connections = 50;
  std::chrono::milliseconds redis_timeout{200};
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  std::string tls_cert_file;  // PEM chain; empty (with the key): plain HTTP
  std::string tls_key_file;   // PEM private key of the chain's certificate
  std::size_t max_body_bytes = 33554432;
  std::size_t max_import_bytes = 268435456;
  std::size_t max_json_depth = 64;
  std::size_t max_connections = 10000;
  std::size_t max_in_flight = 1024;
  std::size_t cache_max_bytes = 256 * 1024 * 1024;
  std::size_t http_threads = 0;   // 0: one per core
  std::size_t actor_threads = 0;  // 0: one per core
  // Site actors. Each folds the new versions of its sites into shared
  // transactions, so fewer gather more per commit (docs/architecture.md).
  std::size_t site_shards = 1;
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};
  std::chrono::milliseconds shutdown_grace{10000};
  std::string log_level = "info";
  // The cleanup's pace (bench/cleanup_bench.sh): on 2 cores these keep the
  // GET p99 during a large cleanup within twice what it is without.
  std::size_t cleanup_batch_size = 500;  // sessions per cleanup transaction
  std::chrono::milliseconds cleanup_batch_pause{10};  // between batches
  std::size_t cleanup_batch_rest_percent = 0;  // plus this % of a batch's time
  /// How long an Idempotency-Key (and the daemon's own write keys) is kept.
  std::chrono::hours idempotency_key_ttl{24};
  /// How long the change feed keeps an event.
  std::chrono::hours event_retention{168};
  /// Feed requests waiting for events at once, at most.
  std::size_t event_max_waiting = 256;
  /// How often waiting feed requests look for other daemons' writes.
  std::chrono::milliseconds event_poll_interval{200};

  /// Bearer tokens for /api: (tenant, token), "" being the default tenant.
  /// Empty: no authentication, which only a loopback address allows.
  std::vector<std::pair<std::string, std::string>> api_tokens;
  /// The agent an API token is bound to (entry `token@agent`), by token:
  /// the writes made with it record that agent, whatever X-Agent-Id says.
  std::map<std::string, std::string> api_token_agents;
  /// Bearer tokens for /admin.
  std::vector<std::string> admin_tokens;

  /// The token settings as given; load() parses them into the lists above.
  std::string api_tokens_text;    // API_TOKENS
  std::string api_tokens_file;    // API_TOKENS_FILE
  std::string admin_tokens_text;  // ADMIN_TOKENS
  std::string admin_tokens_file;  // ADMIN_TOKENS_FILE
};

/// A bad key or value; what() names the key, the value and the source.
struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One documented setting, for --help and the docs.
struct option_doc {
  std::string_view name;
  std::string_view default_value;
  std::string_view meaning;
};

const std::vector<option_doc>& documented_options();

/// Reads an environment variable; nullopt when unset. Injectable for tests.
using env_lookup = std::function<std::optional<std::string>(const char*)>;

/// The process environment.
env_lookup process_env();

/// Defaults, then `file` (TOML; keys as in the table, any case), then the
/// environment. Throws config_error.
settings load(const std::optional<std::filesystem::path>& file,
              const env_lookup& env);

/// Applies one key (any case) to `s`; `source` goes into error messages.
void apply(settings& s, std::string_view key, std::string_view value,
           std::string_view source);

/// Parses the token settings (reading the files) into s.api_tokens and
/// s.admin_tokens; throws config_error naming the key, never the token.
void resolve_tokens(settings& s);

/// Checks combinations of values; throws config_error.
void validate(const settings& s);

/// The --help text: usage and every key with default and meaning.
std::string help_text(std::string_view program);

/// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(std::string_view host);

} // namespace memoryd::config

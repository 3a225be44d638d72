#pragma once

// The plain structs that cross the net/ <-> actors/ boundary. No Beast, no Asio:
// net/ builds an api_request from a parsed HTTP request and implements
// `responder`; actors/ answers through it with an api_response.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace boost::asio {
class io_context;
} // namespace boost::asio

namespace memoryd {

/// Every route the daemon serves. The router in net/ maps method + path here.
enum class route : uint8_t {
  healthz,
  readyz,
  sessions_create,  // POST   /api/sessions
  sessions_list,    // GET    /api/sessions
  session_get,      // GET    /api/sessions/{session_id}
  session_put,      // PUT    /api/sessions/{session_id}
  session_delete,   // DELETE /api/sessions/{session_id}
  preferences_put,  // PUT    /api/sessions/{session_id}/preferences
  sites_create,     // POST   /api/sessions/{session_id}/sites
  sites_list,       // GET    /api/sessions/{session_id}/sites
  site_get,         // GET    /api/sessions/sites/{site_id}
  versions_create,  // POST   /api/sessions/sites/{site_id}/versions
  versions_list,    // GET    /api/sessions/sites/{site_id}/versions
  version_get,      // GET    /api/sessions/sites/{site_id}/versions/{version}
  version_diff,     // GET    …/versions/{version}/diff
  audits_create,    // POST   /api/sessions/sites/{site_id}/audits
  deployments_create, // POST /api/sessions/sites/{site_id}/deployments
  version_restore,  // POST   /api/sessions/sites/{site_id}/versions/{version}/restore
  site_fork,        // POST   /api/sessions/sites/{site_id}/fork
  sessions_export,  // POST   /api/sessions/export
  sessions_import,  // POST   /api/sessions/import
  events_list,      // GET    /api/events
  admin_cleanup,    // POST   /admin/cleanup
  admin_stats,      // GET    /admin/stats
  metrics,          // GET    /metrics
};

/// The longest a GET /api/events may wait for an event (?wait=, seconds);
/// its HTTP deadline is REQUEST_TIMEOUT_MS plus this.
inline constexpr std::chrono::seconds max_event_wait{30};

/// How many routes there are (for tables indexed by route).
inline constexpr std::size_t route_count
  = static_cast<std::size_t>(route::metrics) + 1;

/// Stable name of a route, for logs and metrics ("session_get").
std::string_view to_string(route r);

using header_list = std::vector<std::pair<std::string, std::string>>;

/// One HTTP request after limits, routing and ID validation.
struct api_request {
  route target = route::healthz;
  std::string request_id;
  /// The tenant of the request's bearer token: "" without API_TOKENS and
  /// for a token configured without a tenant (the default tenant).
  std::string tenant;
  /// The agent the request's token is bound to (API_TOKENS entry
  /// `tenant:token@agent`); "" when none. It wins over X-Agent-Id.
  std::string token_agent;
  /// Path parameters in route order (e.g. the session id, lower-case).
  std::vector<std::string> path_params;
  /// Decoded query parameters in the order given.
  std::vector<std::pair<std::string, std::string>> query;
  /// Headers the handlers care about (if-match, idempotency-key, ...),
  /// names lower-case.
  header_list headers;
  std::string body;

  /// First value of query parameter `name`, or nullptr.
  const std::string* query_param(std::string_view name) const;
  /// Value of header `name` (lower-case), or nullptr.
  const std::string* header(std::string_view name) const;
};

/// The answer to one api_request: status, extra headers, body bytes.
struct api_response {
  unsigned status = 200;
  header_list headers;
  std::string body;          // JSON unless content_type says otherwise
  std::string content_type = "application/json";
};

/// The error types of the contract's envelope.
enum class error_type : uint8_t {
  validation,           // 400
  unauthorized,         // 401
  forbidden,            // 403
  not_found,            // 404
  conflict,             // 409
  precondition_failed,  // 412
  payload_too_large,    // 413
  gone,                 // 410: a feed cursor older than the retention
  storage,              // 500/503
  network,              // 502/503/504
  unavailable,          // 503
  internal,             // 500: a bug; never expected
};

std::string_view to_string(error_type t);

/// `{"error": {"type", "message", "request_id"}}` with the given status.
api_response make_error_response(unsigned status, error_type type,
                                 std::string_view message,
                                 std::string_view request_id);

/// The same with the status that belongs to the type (400 for validation...).
api_response make_error_response(error_type type, std::string_view message,
                                 std::string_view request_id);

/// Delivers exactly one api_response back to the connection it came from.
/// Implemented in net/; callable from any thread.
class responder {
public:
  virtual ~responder() = default;
  virtual void respond(api_response response) = 0;
};

using responder_ptr = std::shared_ptr<responder>;

/// Answers what needs no actor on the thread that read the request (a read
/// the cache holds). net/ asks it before dispatching; it must not block.
/// Implemented in actors/ (cached_reads.hpp, redis_reads.hpp).
class direct_answers {
public:
  /// The answer, or nullopt: dispatch the request as usual.
  using completion = std::function<void(std::optional<api_response>)>;

  virtual ~direct_answers() = default;

  /// An answer known at once, or nullopt: try answer_later().
  virtual std::optional<api_response> answer(const api_request& request) const
    = 0;

  /// Whether it answers `request` later (a read from Redis): then `done`
  /// runs exactly once, on any thread, with the answer or nullopt. The
  /// caller keeps `request` alive until `done` has run (`done` may own it).
  virtual bool answer_later(const api_request&, completion) const {
    return false;
  }

  /// The server's io_contexts, one per io thread, which later answers
  /// use; called once before the first request.
  virtual void start(const std::vector<boost::asio::io_context*>&) {
    // nop
  }

  /// Called at shutdown, before the io threads are joined: whatever
  /// start() opened on the io_contexts closes.
  virtual void stop() {
    // nop
  }
};

} // namespace memoryd

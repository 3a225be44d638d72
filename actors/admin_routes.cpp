#include "actors/admin_routes.hpp"

#include <boost/json.hpp>

#include "actors/errors.hpp"
#include "actors/route_support.hpp"
#include "telemetry/clock.hpp"
#include "telemetry/prometheus.hpp"
#include "telemetry/stats_json.hpp"

namespace memoryd {

namespace {

/// ?dry_run=true|false; absent is false.
bool parse_dry_run(const api_request& req) {
  const auto* value = req.query_param("dry_run");
  if (value == nullptr || *value == "false")
    return false;
  if (*value == "true")
    return true;
  throw request_error(error_type::validation,
                      "dry_run must be true or false, not \"" + *value + "\"");
}

/// The contract's {"deleted_sessions", "cutoff", "dry_run"} and more.
api_response cleanup_response(const cleanup_report& r) {
  boost::json::object body;
  body["deleted_sessions"] = r.deleted_sessions;
  body["cutoff"] = r.cutoff;
  body["dry_run"] = r.dry_run;
  body["skipped"] = r.skipped;
  body["deleted_sites"] = r.deleted_sites;
  body["deleted_idempotency_keys"] = r.deleted_keys;
  body["deleted_events"] = r.deleted_events;
  body["run_id"] = r.run_id;
  body["started_at"] = r.started_at;
  body["duration_ms"] = r.duration_ms;
  if (r.skipped)
    body["reason"] = r.message;
  return {200, {}, boost::json::serialize(body)};
}

} // namespace

void serve_admin_route(front_pointer self, exchange_ptr ex) {
  const auto& figures = *self->state.wiring.figures;
  switch (ex->request.target) {
    case route::admin_stats:
      // Read from the probes' atomics here: it answers even while every
      // other actor is stalled.
      ex->respond({200, {}, telemetry::render_stats_json(figures,
                                                         telemetry::now_ns())});
      return;
    case route::metrics:
      ex->respond({200, {},
                   telemetry::render_prometheus(figures, telemetry::now_ns()),
                   "text/plain; version=0.0.4; charset=utf-8"});
      return;
    default:
      break;
  }
  const bool dry_run = parse_dry_run(ex->request);
  ask<cleanup_report>(self, ex, self->state.wiring.scheduler, cleanup_response,
                      atom::cleanup::value, dry_run);
}

} // namespace memoryd

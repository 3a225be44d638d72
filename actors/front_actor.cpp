#include "actors/front_actor.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/admin_routes.hpp"
#include "actors/backup_routes.hpp"
#include "actors/conditional_get.hpp"
#include "actors/diff_routes.hpp"
#include "actors/errors.hpp"
#include "actors/event_routes.hpp"
#include "actors/json_body.hpp"
#include "actors/session_routes.hpp"
#include "actors/site_routes.hpp"

namespace memoryd {

namespace {

std::string render_dependency(const dependency_state& d) {
  std::string out = "{\"state\":\"";
  out += d.up ? "up" : "down";
  out += "\",\"kind\":" + json_quote(d.kind);
  if (!d.detail.empty())
    out += ",\"detail\":" + json_quote(d.detail);
  return out + "}";
}

/// /readyz: 200 when the database answers, whatever the cache's state (the
/// cache is an accelerator), 503 otherwise; the body says both states.
api_response readiness(const dependency_state& db, const dependency_state& cache) {
  api_response res;
  res.status = db.up ? 200 : 503;
  res.body = "{\"status\":\"" + std::string{db.up ? "ready" : "not_ready"}
             + "\",\"database\":" + render_dependency(db)
             + ",\"cache\":" + render_dependency(cache) + "}";
  return res;
}

void serve_readyz(front_pointer self, exchange_ptr ex) {
  // A probe must answer quickly even when a dependency hangs.
  auto timeout = std::min(self->state.wiring.options.request_timeout,
                          std::chrono::milliseconds{5000});
  auto no_answer = [](const char* kind) {
    return dependency_state{false, kind, "no answer within the probe's deadline"};
  };
  // Pings are not traced: they measure the dependency, not the workers.
  const auto& w = self->state.wiring;
  self->request(w.store->pick().handle, timeout, atom::ping::value)
    .then(
      [=](dependency_state& db) {
        const auto& w = self->state.wiring;
        self->request(w.cache->pick().handle, timeout, atom::ping::value)
          .then([=](dependency_state& cache) { ex->respond(readiness(db, cache)); },
                [=](caf::error&) {
                  ex->respond(readiness(db, no_answer("cache")));
                });
      },
      [=](caf::error&) {
        ex->respond(readiness(no_answer("database"), no_answer("cache")));
      });
}

} // namespace

void exchange::respond(api_response response) const {
  auto ms = std::chrono::duration<double, std::milli>(
              std::chrono::steady_clock::now() - started)
              .count();
  response = conditional(request, std::move(response));
  spdlog::info("request id={} route={} status={} ms={:.2f}", request.request_id,
               to_string(request.target), response.status, ms);
  responder->respond(std::move(response));
}

void exchange::fail(const caf::error& err) const {
  respond(error_response(err, request.request_id));
}

front_actor::behavior_type front(front_pointer self, probe_ptr probe,
                                 front_wiring wiring) {
  self->state.probe = std::move(probe);
  self->state.wiring = std::move(wiring);
  return {
    [=](atom::http, const trace& t, api_request& req, responder_ptr& rsp) {
      auto measured = handle(self->state.probe, t, "http");
      auto ex = std::make_shared<exchange>(
        exchange{std::move(req), std::move(rsp), std::chrono::steady_clock::now()});
      try {
        switch (ex->request.target) {
          case route::healthz:
            ex->respond({200, {}, "{\"status\":\"ok\"}"});
            return;
          case route::readyz:
            serve_readyz(self, ex);
            return;
          case route::sessions_create:
          case route::sessions_list:
          case route::session_get:
          case route::session_put:
          case route::session_delete:
          case route::preferences_put:
            serve_session_route(self, ex);
            return;
          case route::sessions_export:
          case route::sessions_import:
            serve_backup_route(self, ex);
            return;
          case route::events_list:
            serve_event_route(self, ex);
            return;
          case route::version_diff:
            serve_diff_route(self, ex);
            return;
          case route::admin_cleanup:
          case route::admin_stats:
          case route::metrics:
            serve_admin_route(self, ex);
            return;
          default:
            serve_site_route(self, ex);
            return;
        }
      } catch (const request_error& e) {
        self->state.probe->failed();
        ex->respond(
          make_error_response(e.type, e.what(), ex->request.request_id));
      } catch (const std::exception& e) {
        self->state.probe->failed();
        spdlog::error("front: request {} failed: {}", ex->request.request_id,
                      e.what());
        ex->respond(make_error_response(error_type::internal,
                                        "internal error",
                                        ex->request.request_id));
      }
    },
    [=](atom::status) { return make_status(self, *self->state.probe); },
  };
}

} // namespace memoryd

#include "actors/event_routes.hpp"

#include "actors/event_codec.hpp"
#include "actors/route_support.hpp"

namespace memoryd {

void serve_event_route(front_pointer self, exchange_ptr ex) {
  auto q = decode_event_query(ex->request);
  const auto& w = self->state.wiring;
  const auto timeout
    = w.options.request_timeout + std::chrono::milliseconds{q.wait_ms};
  traced_request(self, w.events, timeout, trace_of(ex->request.request_id),
                 atom::ev_wait::value, std::move(q))
    .then(
      [=](storage::event_page& page) {
        if (page.gone)
          ex->respond(gone_response(page, ex->request.request_id));
        else
          ex->respond({200, {}, render_event_page(page)});
      },
      [=](caf::error& err) { ex->fail(err); });
}

} // namespace memoryd

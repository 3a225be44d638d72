#include "net/http_responder.hpp"

#include <utility>

#include "net/http_session.hpp"
#include "net/io_gate.hpp"

namespace memoryd::net {

http_responder::http_responder(std::weak_ptr<http_session> session,
                               uint64_t seq, std::shared_ptr<io_gate> gate,
                               std::string request_id)
  : session_(std::move(session)),
    seq_(seq),
    gate_(std::move(gate)),
    request_id_(std::move(request_id)) {
  // nop
}

http_responder::~http_responder() {
  if (!answered_.load())
    deliver(make_error_response(500, error_type::internal,
                                "request was dropped", request_id_));
}

void http_responder::respond(api_response response) {
  if (answered_.exchange(true))
    return;
  deliver(std::move(response));
}

void http_responder::deliver(api_response response) {
  gate_->run_if_open([&] {
    // Inside the gate, so that this reference, were it the last one, is
    // released while the io_context still exists.
    if (auto session = session_.lock())
      session->deliver(seq_, std::move(response));
  });
}

} // namespace memoryd::net

#include "actors/events_actor.hpp"

#include <utility>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/actor_support.hpp"
#include "actors/errors.hpp"

namespace memoryd {

namespace {

using self_ptr = events_actor::stateful_pointer<events_state>;

/// Answers parked request `number` (if still parked) with `page`.
void answer(self_ptr self, uint64_t number, storage::event_page page) {
  auto& waiting = self->state.waiting;
  auto it = waiting.find(number);
  if (it == waiting.end())
    return;
  it->second.rp.deliver(std::move(page));
  waiting.erase(it);
}

void arm_timer(self_ptr self) {
  auto& st = self->state;
  if (st.timer_armed || st.waiting.empty())
    return;
  st.timer_armed = true;
  self->delayed_send(self, st.config.poll_interval, atom::ev_check::value);
}

/// Reads parked request `number`'s page again; answers it when the page
/// has events.
void reread(self_ptr self, uint64_t number) {
  auto& p = self->state.waiting.at(number);
  p.reading = true;
  p.checked = self->state.latest;
  const auto& q = p.query;
  traced_request(self, self->state.store, caf::infinite, p.cause,
                 atom::ev_read::value, q.tenant, q.after, q.from_start,
                 q.limit)
    .then(
      [=](storage::event_page& page) {
        auto& waiting = self->state.waiting;
        auto it = waiting.find(number);
        if (it == waiting.end())
          return;  // its wait ended meanwhile
        it->second.reading = false;
        if (!page.items.empty() || page.gone)
          answer(self, number, std::move(page));
      },
      [=](caf::error&) {
        // Read again at the next check; the wait still ends on time.
        self->state.probe->failed();
        auto& waiting = self->state.waiting;
        if (auto it = waiting.find(number); it != waiting.end()) {
          it->second.reading = false;
          it->second.checked = {};
        }
      });
}

/// Asks for the newest visible event and re-reads the parked requests that
/// have not been read since it became visible.
void check(self_ptr self) {
  auto& st = self->state;
  if (st.waiting.empty())
    return;
  if (st.checking) {
    st.recheck = true;
    return;
  }
  st.checking = true;
  traced_request(self, st.store, caf::infinite, trace{},
                 atom::ev_latest::value)
    .then(
      [=](storage::event_position& latest) {
        auto& st = self->state;
        st.checking = false;
        if (st.latest < latest)
          st.latest = latest;
        for (auto& [number, p] : st.waiting)
          if (!p.reading && p.checked < st.latest)
            reread(self, number);
        if (std::exchange(st.recheck, false))
          check(self);
      },
      [=](caf::error&) {
        self->state.probe->failed();
        self->state.checking = false;
      });
}

} // namespace

events_actor::behavior_type
events_manager(self_ptr self, probe_ptr probe, pool_ptr<storage_actor> store,
               events_config config) {
  self->state.probe = std::move(probe);
  self->state.store = std::move(store);
  self->state.config = config;
  return {
    [=](atom::ev_wait, const trace& t, event_query& q) {
      auto measured = handle(self->state.probe, t, "ev_wait");
      auto rp = self->make_response_promise<storage::event_page>();
      const auto due = std::chrono::steady_clock::now()
                       + std::chrono::milliseconds{q.wait_ms};
      const auto checked = self->state.latest;
      traced_request(self, self->state.store, caf::infinite, t,
                     atom::ev_read::value, q.tenant, q.after, q.from_start,
                     q.limit)
        .then(
          [=](storage::event_page& page) mutable {
            auto& st = self->state;
            const auto left = due - std::chrono::steady_clock::now();
            if (!page.items.empty() || page.gone || st.stopping
                || left <= std::chrono::milliseconds{0}) {
              rp.deliver(std::move(page));
              return;
            }
            if (st.waiting.size() >= st.config.max_waiting) {
              self->state.probe->failed();
              rp.deliver(make_error(errc::unavailable,
                                    "too many requests wait for events "
                                    "(EVENT_MAX_WAITING): retry shortly"));
              return;
            }
            const auto number = st.next_number++;
            st.waiting.emplace(number, events_state::parked{
                                         rp, q, t, std::move(page), checked,
                                         false});
            self->delayed_send(
              self,
              std::chrono::duration_cast<caf::timespan>(left),
              atom::ev_expire::value, number);
            arm_timer(self);
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::wake) { check(self); },
    [=](atom::ev_check) {
      self->state.timer_armed = false;
      check(self);
      arm_timer(self);
    },
    [=](atom::ev_expire, uint64_t number) {
      auto& waiting = self->state.waiting;
      if (auto it = waiting.find(number); it != waiting.end())
        answer(self, number, it->second.last);
    },
    [=](atom::stop) {
      auto& st = self->state;
      st.stopping = true;
      for (auto& [number, p] : st.waiting)
        p.rp.deliver(p.last);
      st.waiting.clear();
    },
    [=](atom::status) { return make_status(self, *self->state.probe); },
  };
}

} // namespace memoryd

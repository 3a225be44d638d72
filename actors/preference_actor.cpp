#include "actors/preference_actor.hpp"

#include <boost/json.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/cache_actor.hpp"
#include "actors/errors.hpp"
#include "actors/json_body.hpp"
#include "actors/merge_patch.hpp"
#include "actors/owned_body.hpp"
#include "actors/probed.hpp"
#include "actors/session_codec.hpp"

namespace memoryd {

namespace {

using self_ptr = preference_actor::stateful_pointer<preference_state>;

void attempt_merge(self_ptr self, const std::string& id, int attempts_left);

/// Answers the patch at the head of `id`'s queue and starts the next one.
template <class Answer>
void finish(self_ptr self, const std::string& id, Answer answer) {
  auto& queues = self->state.queues;
  auto it = queues.find(id);
  auto promise = std::move(it->second.front().promise);
  it->second.pop_front();
  if (it->second.empty())
    queues.erase(it);
  else
    attempt_merge(self, id, max_merge_attempts);
  promise.deliver(std::move(answer));
}

void fail(self_ptr self, const std::string& id, caf::error err) {
  self->state.probe->failed();
  finish(self, id, std::move(err));
}

bool is_precondition_failure(const caf::error& err) {
  return err.category() == caf::atom("memoryd")
         && err.code() == static_cast<uint8_t>(errc::precondition_failed);
}

/// Stores the merged preferences if the revision is still `s.revision`.
void write_merged(self_ptr self, const storage::session_record& s,
                  int attempts_left) {
  const auto& id = s.session_id;
  const auto& head = self->state.queues.at(id).front();
  if (head.expected_revision >= 0 && head.expected_revision != s.revision)
    return fail(self, id,
                make_error(errc::precondition_failed,
                           "session " + id + " is at revision "
                             + std::to_string(s.revision) + ", not "
                             + std::to_string(head.expected_revision)));
  auto merged = parse_trusted_json(s.preferences_json);
  apply_merge_patch(merged, *head.patch);
  const bool conditional = head.expected_revision >= 0;
  const auto t = head.cause;
  traced_request(self, self->state.store, caf::infinite, t,
                 atom::prefs_put::value, id, to_json_text(merged), s.revision,
                 head.key)
    .then(
      [=](committed<storage::session_record>& c) {
        const auto& stored = c.value;
        auto out = rendered{id, stored.revision, render_preferences(stored),
                            false, c.replayed};
        if (c.replayed)
          return finish(self, id, out);
        // The session's cached body has changed too: refresh it first.
        traced_request(self, self->state.cache, caf::infinite, t,
                       atom::put::value, session_cache_key(id),
                       stored.revision,
                       seal_body(stored.tenant, render_session(stored)),
                       static_cast<int64_t>(self->state.ttl.count()))
          .then([=](bool) { finish(self, id, out); },
                [=](caf::error&) { finish(self, id, out); });
      },
      [=](caf::error& err) {
        if (!is_precondition_failure(err) || conditional) {
          fail(self, id, std::move(err));
        } else if (attempts_left > 1) {
          ++self->state.retries;
          attempt_merge(self, id, attempts_left - 1);
        } else {
          fail(self, id,
               make_error(errc::unavailable,
                          "the session kept changing concurrently; retry"));
        }
      });
}

void attempt_merge(self_ptr self, const std::string& id, int attempts_left) {
  const auto& head = self->state.queues.at(id).front();
  traced_request(self, self->state.store, caf::infinite, head.cause,
                 atom::get::value, head.key.tenant, id)
    .then(
      [=](storage::session_record& s) { write_merged(self, s, attempts_left); },
      [=](caf::error& err) { fail(self, id, std::move(err)); });
}

} // namespace

preference_actor::behavior_type
preference_manager(self_ptr self, probe_ptr probe, domain_wiring wiring,
                   std::chrono::seconds ttl) {
  self->state.probe = std::move(probe);
  self->state.store = std::move(wiring.store);
  self->state.cache = std::move(wiring.cache);
  self->state.ttl = ttl;
  return {
    [=](atom::merge, const trace& t, const std::string& id,
        const std::string& patch_text, int64_t expected_revision,
        storage::write_key& key) {
      auto measured = handle(self->state.probe, t, "merge");
      auto promise = self->make_response_promise<rendered>();
      // The front actor validated the patch; it parses here without error.
      auto patch = std::make_shared<const boost::json::value>(
        parse_trusted_json(patch_text));
      auto& queue = self->state.queues[id];
      queue.push_back(
        {promise, std::move(patch), expected_revision, std::move(key), t});
      if (queue.size() == 1)
        attempt_merge(self, id, max_merge_attempts);
      return promise;
    },
    [=](atom::status) {
      auto s = make_status(self, *self->state.probe);
      caf::put(s, "merge-retries", self->state.retries);
      caf::put(s, "sessions-queued",
               static_cast<uint64_t>(self->state.queues.size()));
      return s;
    },
  };
}

} // namespace memoryd

#include "actors/session_actor.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/actor_support.hpp"
#include "actors/probed.hpp"
#include "actors/cache_actor.hpp"
#include "actors/errors.hpp"
#include "actors/owned_body.hpp"
#include "actors/session_codec.hpp"
#include "storage/timestamp.hpp"

namespace memoryd {

namespace {

using self_ptr = session_actor::stateful_pointer<session_state>;

/// Renders a committed record, writes it to the cache (put-if-newer) and
/// answers once the cache has taken it (or refused: it never fails). A
/// replayed record may be older than the database: it is answered as it
/// was, and the cache is left alone.
void commit_and_reply(self_ptr self, caf::typed_response_promise<rendered> rp,
                      const trace& t,
                      const committed<storage::session_record>& c) {
  const auto& s = c.value;
  rendered out{s.session_id, s.revision, render_session(s), false, c.replayed};
  if (c.replayed)
    return (void)rp.deliver(std::move(out));
  traced_request(self, self->state.cache, caf::infinite, t, atom::put::value,
                 session_cache_key(s.session_id), s.revision,
                seal_body(s.tenant, out.body),
                static_cast<int64_t>(self->state.ttl.count()))
    .then([rp, out](bool) mutable { rp.deliver(out); },
          // The cache is an accelerator: its failure never fails a write.
          [rp, out](caf::error&) mutable { rp.deliver(out); });
}

/// Reads `tenant`'s session from storage after a cache miss and fills the
/// cache.
void load_from_store(self_ptr self, caf::typed_response_promise<rendered> rp,
                     const trace& t, const std::string& tenant,
                     const std::string& id) {
  traced_request(self, self->state.store, caf::infinite, t, atom::get::value,
                 tenant, id)
    .then(
      [=](storage::session_record& s) mutable {
        auto body = render_session(s);
        traced_send(self->state.cache, t, atom::put::value,
                    session_cache_key(id), s.revision,
                    seal_body(s.tenant, body),
                    static_cast<int64_t>(self->state.ttl.count()));
        rp.deliver(rendered{id, s.revision, std::move(body), false});
      },
      fail_to(self, rp));
}

/// Tombstones the deleted session's and its sites' cache entries, then
/// answers (an empty body: the 204).
void invalidate_all(self_ptr self, caf::typed_response_promise<rendered> rp,
                    const trace& t, const std::string& session_id,
                    const committed<std::vector<std::string>>& deleted) {
  const auto& site_ids = deleted.value;
  auto pending = std::make_shared<std::size_t>(site_ids.size() + 1);
  rendered out{session_id, 0, {}, false, deleted.replayed};
  auto one_done = [=]() mutable {
    if (--*pending == 0)
      rp.deliver(out);
  };
  auto invalidate = [&](std::string key) {
    traced_request(self, self->state.cache, caf::infinite, t,
                   atom::invalidate::value, std::move(key))
      .then([one_done](bool) mutable { one_done(); },
            [one_done](caf::error&) mutable { one_done(); });
  };
  invalidate(session_cache_key(session_id));
  for (const auto& site_id : site_ids)
    invalidate(site_cache_key(site_id));
}

} // namespace

session_actor::behavior_type session_manager(self_ptr self, probe_ptr probe,
                                             domain_wiring wiring,
                                             std::chrono::seconds ttl) {
  self->state.probe = std::move(probe);
  self->state.store = std::move(wiring.store);
  self->state.cache = std::move(wiring.cache);
  self->state.ttl = ttl;
  return {
    [=](atom::create, const trace& t, storage::session_record& draft,
        storage::write_key& key) {
      auto measured = handle(self->state.probe, t, "create");
      auto rp = self->make_response_promise<rendered>();
      draft.session_id = new_uuid();
      draft.tenant = key.tenant;
      draft.revision = 1;
      draft.created_at = draft.updated_at = storage::now_timestamp();
      traced_request(self, self->state.store, caf::infinite, t,
                     atom::create::value, std::move(draft), std::move(key))
        .then(
          [=](committed<storage::session_record>& c) {
            commit_and_reply(self, rp, t, c);
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::get, const trace& t, const std::string& tenant,
        const std::string& id) {
      auto measured = handle(self->state.probe, t, "get");
      auto rp = self->make_response_promise<rendered>();
      traced_request(self, self->state.cache, caf::infinite, t,
                     atom::get::value, session_cache_key(id))
        .then(
          [=](cache_lookup& hit) mutable {
            if (!hit.found)
              return load_from_store(self, rp, t, tenant, id);
            auto body = open_body(tenant, std::move(hit.value));
            if (!body)  // another tenant's: as the database would answer
              return (void)rp.deliver(
                make_error(errc::not_found, "session " + id + " does not exist"));
            rp.deliver(rendered{id, hit.revision, std::move(*body), true});
          },
          [=](caf::error&) { load_from_store(self, rp, t, tenant, id); });
      return rp;
    },
    [=](atom::update, const trace& t, storage::session_update& u,
        storage::write_key& key) {
      auto measured = handle(self->state.probe, t, "update");
      auto rp = self->make_response_promise<rendered>();
      u.tenant = key.tenant;
      u.updated_at = storage::now_timestamp();
      traced_request(self, self->state.store, caf::infinite, t,
                     atom::update::value, std::move(u), std::move(key))
        .then(
          [=](committed<storage::session_record>& c) {
            commit_and_reply(self, rp, t, c);
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::erase, const trace& t, const std::string& id,
        storage::write_key& key) {
      auto measured = handle(self->state.probe, t, "erase");
      auto rp = self->make_response_promise<rendered>();
      traced_request(self, self->state.store, caf::infinite, t,
                     atom::erase::value, id, std::move(key))
        .then(
          [=](committed<std::vector<std::string>>& deleted) mutable {
            invalidate_all(self, rp, t, id, deleted);
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::list, const trace& t, storage::session_page_query& q) {
      auto measured = handle(self->state.probe, t, "list");
      auto rp = self->make_response_promise<std::string>();
      traced_request(self, self->state.store, caf::infinite, t,
                     atom::list::value, std::move(q))
        .then(
          [=](storage::session_page& page) mutable {
            rp.deliver(render_session_page(page));
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::status) { return make_status(self, *self->state.probe); },
  };
}

} // namespace memoryd

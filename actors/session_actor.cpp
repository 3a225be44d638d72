#include "actors/session_actor.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/actor_support.hpp"
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
                      const committed<storage::session_record>& c) {
  const auto& s = c.value;
  rendered out{s.session_id, s.revision, render_session(s), false, c.replayed};
  if (c.replayed)
    return (void)rp.deliver(std::move(out));
  self->request(self->state.cache, caf::infinite, atom::put::value,
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
                     const std::string& tenant, const std::string& id) {
  self->request(self->state.store, caf::infinite, atom::get::value, tenant, id)
    .then(
      [=](storage::session_record& s) mutable {
        auto body = render_session(s);
        caf::anon_send(self->state.cache, atom::put::value,
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
                    const std::string& session_id,
                    const committed<std::vector<std::string>>& deleted) {
  const auto& site_ids = deleted.value;
  auto pending = std::make_shared<std::size_t>(site_ids.size() + 1);
  rendered out{session_id, 0, {}, false, deleted.replayed};
  auto one_done = [=]() mutable {
    if (--*pending == 0)
      rp.deliver(out);
  };
  auto invalidate = [&](std::string key) {
    self->request(self->state.cache, caf::infinite, atom::invalidate::value,
                  std::move(key))
      .then([one_done](bool) mutable { one_done(); },
            [one_done](caf::error&) mutable { one_done(); });
  };
  invalidate(session_cache_key(session_id));
  for (const auto& site_id : site_ids)
    invalidate(site_cache_key(site_id));
}

} // namespace

session_actor::behavior_type session_manager(self_ptr self, storage_actor store,
                                             cache_actor cache,
                                             std::chrono::seconds ttl) {
  self->state.store = std::move(store);
  self->state.cache = std::move(cache);
  self->state.ttl = ttl;
  return {
    [=](atom::create, storage::session_record& draft,
        storage::write_key& key) {
      ++self->state.counters.handled;
      auto rp = self->make_response_promise<rendered>();
      draft.session_id = new_uuid();
      draft.tenant = key.tenant;
      draft.revision = 1;
      draft.created_at = draft.updated_at = storage::now_timestamp();
      self->request(self->state.store, caf::infinite, atom::create::value,
                    std::move(draft), std::move(key))
        .then(
          [=](committed<storage::session_record>& c) {
            commit_and_reply(self, rp, c);
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::get, const std::string& tenant, const std::string& id) {
      ++self->state.counters.handled;
      auto rp = self->make_response_promise<rendered>();
      self
        ->request(self->state.cache, caf::infinite, atom::get::value,
                  session_cache_key(id))
        .then(
          [=](cache_lookup& hit) mutable {
            if (!hit.found)
              return load_from_store(self, rp, tenant, id);
            auto body = open_body(tenant, std::move(hit.value));
            if (!body)  // another tenant's: as the database would answer
              return (void)rp.deliver(
                make_error(errc::not_found, "session " + id + " does not exist"));
            rp.deliver(rendered{id, hit.revision, std::move(*body), true});
          },
          [=](caf::error&) { load_from_store(self, rp, tenant, id); });
      return rp;
    },
    [=](atom::update, storage::session_update& u, storage::write_key& key) {
      ++self->state.counters.handled;
      auto rp = self->make_response_promise<rendered>();
      u.tenant = key.tenant;
      u.updated_at = storage::now_timestamp();
      self->request(self->state.store, caf::infinite, atom::update::value,
                    std::move(u), std::move(key))
        .then(
          [=](committed<storage::session_record>& c) {
            commit_and_reply(self, rp, c);
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::erase, const std::string& id, storage::write_key& key) {
      ++self->state.counters.handled;
      auto rp = self->make_response_promise<rendered>();
      self
        ->request(self->state.store, caf::infinite, atom::erase::value, id,
                  std::move(key))
        .then(
          [=](committed<std::vector<std::string>>& deleted) mutable {
            invalidate_all(self, rp, id, deleted);
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::list, storage::session_page_query& q) {
      ++self->state.counters.handled;
      auto rp = self->make_response_promise<std::string>();
      self->request(self->state.store, caf::infinite, atom::list::value,
                    std::move(q))
        .then(
          [=](storage::session_page& page) mutable {
            rp.deliver(render_session_page(page));
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::status) { return make_status(self, self->state.counters); },
  };
}

} // namespace memoryd

#include "actors/site_actor.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/actor_support.hpp"
#include "actors/cache_actor.hpp"
#include "actors/site_codec.hpp"
#include "storage/timestamp.hpp"

namespace memoryd {

namespace {

using self_ptr = site_actor::stateful_pointer<site_state>;
using promise = caf::typed_response_promise<rendered>;

// Site views are cached under revision 2R (R: the site's revision), and a
// write of revision R leaves a fence (an empty entry) at 2R - 1: it replaces
// any view older than R and keeps late fills of one out, while the next read
// of revision R (2R) replaces it. So a write costs no view read; the next
// GET pays it once.
int64_t view_rank(int64_t revision) {
  return 2 * revision;
}

int64_t fence_rank(int64_t revision) {
  return 2 * revision - 1;
}

/// Stores `value` under the site's key at `rank`, then runs `then` (also
/// when the cache failed: it is an accelerator).
template <class Then>
void cache_put(self_ptr self, const std::string& site_id, int64_t rank,
               std::string value, Then then) {
  self
    ->request(self->state.cache, caf::infinite, atom::put::value,
              site_cache_key(site_id), rank, std::move(value),
              static_cast<int64_t>(self->state.ttl.count()))
    .then([then](bool) mutable { then(); },
          [then](caf::error&) mutable { then(); });
}

/// Writes a committed view through to the cache, then runs `then`.
template <class Then>
void cache_view(self_ptr self, const storage::site_view& view, Then then) {
  cache_put(self, view.site.site_id, view_rank(view.site.revision),
            render_site_view(view), std::move(then));
}

/// Fences the cache after a write that made the site's revision `revision`.
template <class Then>
void fence_view(self_ptr self, const std::string& site_id, int64_t revision,
                Then then) {
  cache_put(self, site_id, fence_rank(revision), std::string{}, std::move(then));
}

void write_versions(self_ptr self, const std::string& site_id);

/// Answers the batch that just committed and starts the next one, if any.
void versions_committed(self_ptr self, const std::string& site_id,
                        std::vector<queued_version>& batch,
                        const site_write& result) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto meta = batch[i].version;
    storage::version_record v;
    v.site_id = site_id;
    v.version = result.versions[i];
    v.code_size = meta.code_size;
    v.code_sha256 = meta.code_sha256;
    v.has_requirements = meta.has_requirements;
    v.requirements_json = meta.requirements_json;
    v.has_changes = meta.has_changes;
    v.changes = meta.changes;
    v.created_at = meta.created_at;
    batch[i].promise.deliver(
      rendered{site_id, result.revision, render_version(v), false});
  }
  self->state.versions_added += batch.size();
  auto& queue = self->state.queues[site_id];
  queue.writing = false;
  if (queue.waiting.empty())
    self->state.queues.erase(site_id);
  else
    write_versions(self, site_id);
}

/// One transaction for every version of the site that is waiting.
void write_versions(self_ptr self, const std::string& site_id) {
  auto& queue = self->state.queues[site_id];
  auto take = std::min(queue.waiting.size(), max_version_batch);
  auto batch = std::make_shared<std::vector<queued_version>>(
    std::make_move_iterator(queue.waiting.begin()),
    std::make_move_iterator(queue.waiting.begin() + static_cast<long>(take)));
  queue.waiting.erase(queue.waiting.begin(),
                      queue.waiting.begin() + static_cast<long>(take));
  queue.writing = true;
  ++self->state.version_batches;
  std::vector<storage::new_version> versions;
  versions.reserve(batch->size());
  auto now = storage::now_timestamp();
  for (auto& q : *batch) {
    q.version.created_at = now;
    versions.push_back(q.version);
  }
  self
    ->request(self->state.store, caf::infinite, atom::ver_add::value, site_id,
              std::move(versions))
    .then(
      [=](site_write& result) {
        fence_view(self, site_id, result.revision, [=]() mutable {
          versions_committed(self, site_id, *batch, result);
        });
      },
      [=](caf::error& err) {
        self->state.counters.failed += batch->size();
        for (auto& q : *batch)
          q.promise.deliver(err);
        auto& q = self->state.queues[site_id];
        q.writing = false;
        if (q.waiting.empty())
          self->state.queues.erase(site_id);
        else
          write_versions(self, site_id);
      });
}

/// Reads a view from storage after a cache miss and fills the cache.
void load_view(self_ptr self, promise rp, const std::string& site_id) {
  self->request(self->state.store, caf::infinite, atom::site_view::value, site_id)
    .then(
      [=](storage::site_view& view) mutable {
        auto body = render_site_view(view);
        caf::anon_send(self->state.cache, atom::put::value,
                       site_cache_key(site_id), view_rank(view.site.revision),
                       body, static_cast<int64_t>(self->state.ttl.count()));
        rp.deliver(rendered{site_id, view.site.revision, std::move(body), false});
      },
      fail_to(self, rp));
}

/// An audit or deployment: storage, then the cache fenced, then the answer
/// rendered by `render`.
template <class Record, class Atom, class Render>
promise add_event(self_ptr self, Atom atom_value, Record record, Render render) {
  ++self->state.counters.handled;
  auto rp = self->make_response_promise<rendered>();
  auto site_id = record.site_id;
  self->request(self->state.store, caf::infinite, atom_value, std::move(record))
    .then(
      [=](site_write& result) mutable {
        fence_view(self, site_id, result.revision, [=]() mutable {
          rp.deliver(rendered{site_id, result.revision, render(result), false});
        });
      },
      fail_to(self, rp));
  return rp;
}

} // namespace

site_actor::behavior_type site_manager(self_ptr self, storage_actor store,
                                       cache_actor cache,
                                       std::chrono::seconds ttl) {
  self->state.store = std::move(store);
  self->state.cache = std::move(cache);
  self->state.ttl = ttl;
  return {
    [=](atom::site_new, storage::site_record& site, storage::new_version& first) {
      ++self->state.counters.handled;
      auto rp = self->make_response_promise<rendered>();
      site.site_id = new_uuid();
      site.created_at = site.updated_at = first.created_at
        = storage::now_timestamp();
      self
        ->request(self->state.store, caf::infinite, atom::site_new::value,
                  std::move(site), std::move(first))
        .then(
          [=](site_write& created) mutable {
            const auto& view = created.view;
            cache_view(self, view, [=]() mutable {
              rp.deliver(rendered{view.site.site_id, view.site.revision,
                                  render_site_view(view), false});
            });
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::site_view, const std::string& site_id) {
      ++self->state.counters.handled;
      auto rp = self->make_response_promise<rendered>();
      self
        ->request(self->state.cache, caf::infinite, atom::get::value,
                  site_cache_key(site_id))
        .then(
          [=](cache_lookup& hit) mutable {
            if (hit.found)
              rp.deliver(
                rendered{site_id, hit.revision / 2, std::move(hit.value), true});
            else
              load_view(self, rp, site_id);
          },
          [=](caf::error&) { load_view(self, rp, site_id); });
      return rp;
    },
    [=](atom::site_list, site_page_query& q) {
      ++self->state.counters.handled;
      auto rp = self->make_response_promise<std::string>();
      self->request(self->state.store, caf::infinite, atom::site_list::value,
                    std::move(q))
        .then([=](storage::site_page& page) mutable {
                rp.deliver(render_site_page(page));
              },
              fail_to(self, rp));
      return rp;
    },
    [=](atom::ver_add, const std::string& site_id, storage::new_version& v) {
      ++self->state.counters.handled;
      auto rp = self->make_response_promise<rendered>();
      auto& queue = self->state.queues[site_id];
      queue.waiting.push_back({rp, std::move(v)});
      if (!queue.writing)
        write_versions(self, site_id);
      return rp;
    },
    [=](atom::ver_list, version_page_query& q) {
      ++self->state.counters.handled;
      auto rp = self->make_response_promise<std::string>();
      self->request(self->state.store, caf::infinite, atom::ver_list::value,
                    std::move(q))
        .then([=](storage::version_page& page) mutable {
                rp.deliver(render_version_page(page));
              },
              fail_to(self, rp));
      return rp;
    },
    [=](atom::ver_get, const std::string& site_id, int64_t n) {
      ++self->state.counters.handled;
      auto rp = self->make_response_promise<rendered>();
      self
        ->request(self->state.store, caf::infinite, atom::ver_get::value,
                  site_id, n)
        .then(
          [=](storage::version_record& v) mutable {
            rp.deliver(rendered{site_id, v.version, render_version(v), false});
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::audit_add, storage::audit_record& a) {
      a.audit_id = new_uuid();
      a.created_at = storage::now_timestamp();
      return add_event(self, atom::audit_add::value, std::move(a),
                       [](const site_write& w) { return render_audit(w.audit); });
    },
    [=](atom::deploy_add, storage::deployment_record& d) {
      d.deployment_id = new_uuid();
      d.created_at = storage::now_timestamp();
      return add_event(self, atom::deploy_add::value, std::move(d),
                       [](const site_write& w) {
                         return render_deployment(w.deployment);
                       });
    },
    [=](atom::status) {
      auto s = make_status(self, self->state.counters);
      caf::put(s, "version-batches", self->state.version_batches);
      caf::put(s, "versions-added", self->state.versions_added);
      caf::put(s, "sites-writing", static_cast<uint64_t>(self->state.queues.size()));
      return s;
    },
  };
}

} // namespace memoryd

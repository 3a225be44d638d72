#include "actors/site_actor.hpp"

#include <functional>
#include <memory>
#include <string>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/actor_support.hpp"
#include "actors/cache_actor.hpp"
#include "actors/errors.hpp"
#include "actors/owned_body.hpp"
#include "actors/probed.hpp"
#include "actors/site_codec.hpp"
#include "storage/timestamp.hpp"

namespace memoryd {

namespace {

using self_ptr = site_actor::stateful_pointer<site_state>;
using promise = caf::typed_response_promise<rendered>;

/// A site's reads and writes prefer one storage worker, whose thread-local
/// caches (the chain its versions continue, their texts) then stay warm.
affinity of_site(const std::string& site_id) {
  return {std::hash<std::string>{}(site_id)};
}

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

/// The cache entry of `value` under the site's key at `rank`.
cache::put_request site_entry(self_ptr self, const std::string& site_id,
                              int64_t rank, std::string value) {
  return {site_cache_key(site_id), rank, std::move(value),
          static_cast<int64_t>(self->state.ttl.count())};
}

/// The entry that fences a site's view after a write that made its
/// revision `revision`.
cache::put_request fence_of(self_ptr self, const std::string& site_id,
                            int64_t revision) {
  return site_entry(self, site_id, fence_rank(revision), std::string{});
}

/// Stores `entries` (one Redis round trip), then runs `then` (also when the
/// cache failed: it is an accelerator).
template <class Then>
void cache_put(self_ptr self, const trace& t,
               std::vector<cache::put_request> entries, Then then) {
  traced_request(self, self->state.cache, caf::infinite, t, atom::put::value,
                 std::move(entries))
    .then([then](bool) mutable { then(); },
          [then](caf::error&) mutable { then(); });
}

/// Fences the cache after a write that made the site's revision `revision`.
template <class Then>
void fence_view(self_ptr self, const trace& t, const std::string& site_id,
                int64_t revision, Then then) {
  cache_put(self, t, {fence_of(self, site_id, revision)}, std::move(then));
}

void start_folds(self_ptr self);

/// A site's versions in a running fold: answered when it commits.
struct fold_part {
  std::string site_id;
  std::vector<queued_version> batch;
};

/// After a site's part of a fold: its next versions wait for a fold again.
void site_done(self_ptr self, const std::string& site_id) {
  auto& queue = self->state.queues[site_id];
  queue.writing = false;
  if (queue.waiting.empty())
    self->state.queues.erase(site_id);
  else
    self->state.ready.push_back(site_id);
  start_folds(self);
}

/// Answers the part of a fold that just committed.
void versions_committed(self_ptr self, fold_part& part,
                        const committed<site_write>& result) {
  auto& batch = part.batch;
  if (result.value.versions.size() != batch.size()) {
    // A key's stored result of another batch: never expected (a client's
    // key has a batch of its own, the daemon's keys are unique).
    auto err = make_error(errc::conflict, "the write key's stored result "
                                          "does not match this request");
    for (auto& q : batch)
      q.promise.deliver(err);
    return site_done(self, part.site_id);
  }
  for (std::size_t i = 0; i < batch.size(); ++i)
    batch[i].promise.deliver(rendered{part.site_id, result.value.revision,
                                      render_version(result.value.versions[i]),
                                      false, result.replayed});
  if (!result.replayed) {
    auto& figures = self->state.figures->versions();
    figures.parts.fetch_add(1, std::memory_order_relaxed);
    figures.versions.fetch_add(batch.size(), std::memory_order_relaxed);
  }
  site_done(self, part.site_id);
}

/// Answers a part of a fold that was refused.
void part_refused(self_ptr self, fold_part& part, group_outcome& outcome) {
  auto err = make_error(static_cast<errc>(outcome.refused),
                        std::move(outcome.message));
  for (auto& q : part.batch) {
    self->state.probe->failed();
    q.promise.deliver(err);
  }
  self->state.figures->versions().refused_parts.fetch_add(
    1, std::memory_order_relaxed);
  site_done(self, part.site_id);
}

/// Answers the parts of a committed fold: refusals and replays at once, the
/// others once their sites' cached views are fenced, all fences in one
/// cache write (one Redis round trip for the whole fold).
void fold_committed(self_ptr self, const trace& t,
                    const std::vector<std::shared_ptr<fold_part>>& parts,
                    std::vector<group_outcome>& outcomes, bool replayed) {
  using written = std::pair<std::shared_ptr<fold_part>, committed<site_write>>;
  auto fenced = std::make_shared<std::vector<written>>();
  std::vector<cache::put_request> fences;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    auto& outcome = outcomes[i];
    if (outcome.refused != static_cast<uint8_t>(errc::none)) {
      part_refused(self, *parts[i], outcome);
      continue;
    }
    committed<site_write> result{std::move(outcome.write), replayed};
    if (replayed) {
      versions_committed(self, *parts[i], result);
      continue;
    }
    fences.push_back(fence_of(self, parts[i]->site_id, result.value.revision));
    fenced->emplace_back(parts[i], std::move(result));
  }
  if (fenced->empty())
    return;
  auto answer = [self, fenced] {
    for (auto& [part, result] : *fenced)
      versions_committed(self, *part, result);
  };
  cache_put(self, t, std::move(fences), std::move(answer));
}

/// How many of a site's waiting versions go into its part of the next
/// fold, at most `room`: those that can share its key (see site_actor.hpp).
std::size_t next_batch_size(const std::vector<queued_version>& waiting,
                            std::size_t room) {
  const auto& first = waiting.front().key;
  if (first.from_client)
    return 1;
  std::size_t n = 1;
  while (n < waiting.size() && n < room && !waiting[n].key.from_client
         && waiting[n].key.tenant == first.tenant)
    ++n;
  return n;
}

/// The parts of the next fold, from the sites ready longest. A client's
/// key goes alone: a repeat must replay exactly its own answer.
std::vector<std::shared_ptr<fold_part>> next_fold(self_ptr self) {
  auto& st = self->state;
  std::vector<std::shared_ptr<fold_part>> parts;
  std::size_t versions = 0;
  while (!st.ready.empty() && parts.size() < max_fold_sites
         && versions < max_version_batch) {
    auto& queue = st.queues[st.ready.front()];
    const bool alone = queue.waiting.front().key.from_client;
    if (alone && !parts.empty())
      break;
    auto take = next_batch_size(queue.waiting, max_version_batch - versions);
    auto part = std::make_shared<fold_part>();
    part->site_id = std::move(st.ready.front());
    st.ready.pop_front();
    auto first = queue.waiting.begin();
    part->batch.assign(std::make_move_iterator(first),
                       std::make_move_iterator(first + static_cast<long>(take)));
    queue.waiting.erase(first, first + static_cast<long>(take));
    queue.writing = true;
    versions += take;
    parts.push_back(std::move(part));
    if (alone)
      break;
  }
  return parts;
}

/// One transaction for the versions of the sites in `parts`.
void write_fold(self_ptr self,
                std::vector<std::shared_ptr<fold_part>> parts) {
  ++self->state.folds_running;
  std::vector<version_group> groups;
  groups.reserve(parts.size());
  auto now = storage::now_timestamp();
  for (auto& part : parts) {
    auto& g = groups.emplace_back();
    g.site_id = part->site_id;
    g.key = part->batch.front().key;
    for (auto& q : part->batch) {
      q.version.created_at = now;
      g.versions.push_back(q.version);
    }
  }
  const auto t = parts.front()->batch.front().cause;
  // The shard's folds prefer one worker: its thread-local caches (the
  // chains the sites' versions continue) stay warm.
  traced_request(self, self->state.store, affinity{self->id()}, caf::infinite,
                 t, atom::ver_add::value, std::move(groups))
    .then(
      [=](committed<version_fold>& result) mutable {
        --self->state.folds_running;
        self->state.figures->versions().folds.fetch_add(
          1, std::memory_order_relaxed);
        if (result.value.groups.size() != parts.size()) {
          // Another request's stored result under this key: never expected.
          result.value.groups.assign(
            parts.size(),
            group_outcome{{}, static_cast<uint8_t>(errc::conflict),
                          "the write key's stored result does not match "
                          "this request"});
        }
        fold_committed(self, t, parts, result.value.groups, result.replayed);
        start_folds(self);
      },
      [=](caf::error& err) {
        --self->state.folds_running;
        auto& figures = self->state.figures->versions();
        figures.folds.fetch_add(1, std::memory_order_relaxed);
        figures.failed_folds.fetch_add(1, std::memory_order_relaxed);
        for (auto& part : parts) {
          for (auto& q : part->batch) {
            self->state.probe->failed();
            q.promise.deliver(err);
          }
          site_done(self, part->site_id);
        }
        start_folds(self);
      });
}

/// Starts folds of the ready sites while fewer than max_folds_running run.
void start_folds(self_ptr self) {
  while (self->state.folds_running < max_folds_running
         && !self->state.ready.empty())
    write_fold(self, next_fold(self));
}

/// Queues a version for its site's part of the next fold.
void enqueue_version(self_ptr self, promise rp, const trace& t,
                     const std::string& site_id, storage::new_version v,
                     storage::write_key key) {
  // Folded versions share one key: each carries its own request's agent.
  v.agent = key.agent;
  auto& queue = self->state.queues[site_id];
  queue.waiting.push_back({std::move(rp), std::move(v), std::move(key), t});
  if (!queue.writing && queue.waiting.size() == 1)
    self->state.ready.push_back(site_id);
  start_folds(self);
}

/// Answers a new site's view after writing it through to the cache.
void answer_new_site(self_ptr self, promise rp, const trace& t,
                     const std::string& tenant,
                     const committed<site_write>& created) {
  const auto& view = created.value.view;
  rendered out{view.site.site_id, view.site.revision, render_site_view(view),
               false, created.replayed};
  if (created.replayed)
    return (void)rp.deliver(std::move(out));
  cache_put(self, t,
            {site_entry(self, view.site.site_id, view_rank(view.site.revision),
                        seal_body(tenant, out.body))},
            [=]() mutable { rp.deliver(out); });
}

/// Reads `tenant`'s view from storage after a cache miss and fills the cache.
void load_view(self_ptr self, promise rp, const trace& t,
               const std::string& tenant, const std::string& site_id) {
  traced_request(self, self->state.store, of_site(site_id), caf::infinite, t,
                 atom::site_view::value, tenant, site_id)
    .then(
      [=](storage::site_view& view) mutable {
        auto body = render_site_view(view);
        traced_send(self->state.cache, t, atom::put::value,
                    site_cache_key(site_id), view_rank(view.site.revision),
                    seal_body(tenant, body),
                    static_cast<int64_t>(self->state.ttl.count()));
        rp.deliver(rendered{site_id, view.site.revision, std::move(body), false});
      },
      fail_to(self, rp));
}

/// An audit or deployment: storage, then the cache fenced, then the answer
/// rendered by `render`.
template <class Record, class Atom, class Render>
promise add_event(self_ptr self, const trace& t, Atom atom_value,
                  Record record, storage::write_key key, Render render) {
  auto rp = self->make_response_promise<rendered>();
  auto site_id = record.site_id;
  traced_request(self, self->state.store, caf::infinite, t, atom_value,
                 std::move(record), std::move(key))
    .then(
      [=](committed<site_write>& result) mutable {
        rendered out{site_id, result.value.revision, render(result.value),
                     false, result.replayed};
        if (result.replayed)
          return (void)rp.deliver(std::move(out));
        fence_view(self, t, site_id, result.value.revision,
                   [=]() mutable { rp.deliver(out); });
      },
      fail_to(self, rp));
  return rp;
}

} // namespace

site_actor::behavior_type site_manager(self_ptr self, probe_ptr probe,
                                       domain_wiring wiring,
                                       std::shared_ptr<telemetry::registry> figures,
                                       std::chrono::seconds ttl) {
  self->state.probe = std::move(probe);
  self->state.figures = std::move(figures);
  self->state.store = std::move(wiring.store);
  self->state.cache = std::move(wiring.cache);
  self->state.ttl = ttl;
  return {
    [=](atom::site_new, const trace& t, storage::site_record& site,
        storage::new_version& first, storage::write_key& key) {
      auto measured = handle(self->state.probe, t, "site_new");
      auto rp = self->make_response_promise<rendered>();
      site.site_id = new_uuid();
      site.created_at = site.updated_at = first.created_at
        = storage::now_timestamp();
      auto tenant = key.tenant;
      traced_request(self, self->state.store, caf::infinite, t,
                     atom::site_new::value, std::move(site), std::move(first),
                     std::move(key))
        .then(
          [=](committed<site_write>& created) mutable {
            answer_new_site(self, rp, t, tenant, created);
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::site_fork, const trace& t, storage::site_fork& f,
        storage::write_key& key) {
      auto measured = handle(self->state.probe, t, "site_fork");
      auto rp = self->make_response_promise<rendered>();
      f.site_id = new_uuid();
      f.created_at = storage::now_timestamp();
      auto tenant = key.tenant;
      traced_request(self, self->state.store, caf::infinite, t,
                     atom::site_fork::value, std::move(f), std::move(key))
        .then(
          [=](committed<site_write>& forked) mutable {
            answer_new_site(self, rp, t, tenant, forked);
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::site_view, const trace& t, const std::string& tenant,
        const std::string& site_id) {
      auto measured = handle(self->state.probe, t, "site_view");
      auto rp = self->make_response_promise<rendered>();
      traced_request(self, self->state.cache, caf::infinite, t,
                     atom::get::value, site_cache_key(site_id))
        .then(
          [=](cache_lookup& hit) mutable {
            if (!hit.found)
              return load_view(self, rp, t, tenant, site_id);
            auto body = open_body(tenant, std::move(hit.value));
            if (!body)  // another tenant's: as the database would answer
              return (void)rp.deliver(make_error(
                errc::not_found, "site " + site_id + " does not exist"));
            rp.deliver(rendered{site_id, hit.revision / 2, std::move(*body), true});
          },
          [=](caf::error&) { load_view(self, rp, t, tenant, site_id); });
      return rp;
    },
    [=](atom::site_list, const trace& t, site_page_query& q) {
      auto measured = handle(self->state.probe, t, "site_list");
      auto rp = self->make_response_promise<std::string>();
      traced_request(self, self->state.store, caf::infinite, t,
                     atom::site_list::value, std::move(q))
        .then([=](storage::site_page& page) mutable {
                rp.deliver(render_site_page(page));
              },
              fail_to(self, rp));
      return rp;
    },
    [=](atom::ver_add, const trace& t, const std::string& site_id,
        storage::new_version& v, storage::write_key& key) {
      auto measured = handle(self->state.probe, t, "ver_add");
      auto rp = self->make_response_promise<rendered>();
      enqueue_version(self, rp, t, site_id, std::move(v), std::move(key));
      return rp;
    },
    [=](atom::restore, const trace& t, const std::string& site_id,
        storage::new_version& draft, storage::write_key& key) {
      // The restored version is read first (tenant-scoped, so another
      // tenant's site is unknown): a restore of a missing version fails on
      // its own instead of failing the versions queued with it.
      auto measured = handle(self->state.probe, t, "restore");
      auto rp = self->make_response_promise<rendered>();
      traced_request(self, self->state.store, of_site(site_id),
                     caf::infinite, t,
                     atom::ver_get::value, key.tenant, site_id,
                     draft.restored_from)
        .then(
          [=](storage::version_record& source) mutable {
            draft.code = std::move(source.code);
            draft.code_size = source.code_size;
            draft.code_sha256 = std::move(source.code_sha256);
            draft.has_requirements = source.has_requirements;
            draft.requirements_json = std::move(source.requirements_json);
            enqueue_version(self, rp, t, site_id, std::move(draft),
                            std::move(key));
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::ver_list, const trace& t, version_page_query& q) {
      auto measured = handle(self->state.probe, t, "ver_list");
      auto rp = self->make_response_promise<std::string>();
      traced_request(self, self->state.store, caf::infinite, t,
                     atom::ver_list::value, std::move(q))
        .then([=](storage::version_page& page) mutable {
                rp.deliver(render_version_page(page));
              },
              fail_to(self, rp));
      return rp;
    },
    [=](atom::ver_get, const trace& t, const std::string& tenant,
        const std::string& site_id, int64_t n) {
      auto measured = handle(self->state.probe, t, "ver_get");
      auto rp = self->make_response_promise<rendered>();
      traced_request(self, self->state.store, of_site(site_id),
                     caf::infinite, t,
                     atom::ver_get::value, tenant, site_id, n)
        .then(
          [=](storage::version_record& v) mutable {
            rp.deliver(rendered{site_id, v.version, render_version(v), false});
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::audit_add, const trace& t, storage::audit_record& a,
        storage::write_key& key) {
      auto measured = handle(self->state.probe, t, "audit_add");
      a.audit_id = new_uuid();
      a.created_at = storage::now_timestamp();
      return add_event(self, t, atom::audit_add::value, std::move(a),
                       std::move(key),
                       [](const site_write& w) { return render_audit(w.audit); });
    },
    [=](atom::deploy_add, const trace& t, storage::deployment_record& d,
        storage::write_key& key) {
      auto measured = handle(self->state.probe, t, "deploy_add");
      d.deployment_id = new_uuid();
      d.created_at = storage::now_timestamp();
      return add_event(self, t, atom::deploy_add::value, std::move(d),
                       std::move(key),
                       [](const site_write& w) {
                         return render_deployment(w.deployment);
                       });
    },
    [=](atom::status) {
      auto s = make_status(self, *self->state.probe);
      caf::put(s, "sites-writing", static_cast<uint64_t>(self->state.queues.size()));
      caf::put(s, "folds-running", static_cast<uint64_t>(self->state.folds_running));
      return s;
    },
  };
}

} // namespace memoryd

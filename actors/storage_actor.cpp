#include "actors/storage_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "actors/storage_work.hpp"
#include "actors/version_fold_writer.hpp"
#include "storage/archive_repository.hpp"
#include "storage/event_repository.hpp"
#include "storage/preferences_repository.hpp"
#include "storage/session_repository.hpp"
#include "storage/site_repository.hpp"

namespace memoryd {

namespace {

using namespace storage_work;

/// The view a site's GET shows and its cache holds.
storage::site_view read_view(storage::site_repository& repo,
                             const std::string& site_id) {
  auto view = repo.view(site_id, site_view_versions);
  if (!view)
    throw storage::not_found(no_site(site_id));
  return std::move(*view);
}

/// `record` as written by the agent of `key` (provenance).
template <class Record>
Record by(const storage::write_key& key, Record record) {
  record.agent = key.agent;
  return record;
}

/// An audit or deployment of `tenant`'s site: `add(repo, out)` writes the
/// row into `out` and answers its id, which the feed's `type` event names
/// (with `version`); then the site's revision after it is read (what the
/// cache is fenced with), in the same transaction.
template <class Add>
caf::result<committed<site_write>>
add_site_event(worker_ptr self, const trace& t, const char* what,
               const storage::write_key& key, const std::string& site_id,
               const char* type, int64_t version, Add add) {
  return write(self, t, what, key, [&](soci::session& sql) {
    require_site(self, sql, key.tenant, site_id);
    storage::site_repository repo{sql};
    site_write out;
    emit(sql, key, type, {}, site_id, version, add(repo, out));
    auto revision = repo.revision(site_id);
    if (!revision)
      throw storage::not_found(no_site(site_id));
    out.revision = *revision;
    return out;
  });
}

} // namespace

storage_worker_state::storage_worker_state() = default;
storage_worker_state::~storage_worker_state() = default;

storage_actor::behavior_type
storage_worker(worker_ptr self, probe_ptr probe,
               std::shared_ptr<telemetry::registry> figures,
               storage::database_url url) {
  self->state.url = std::move(url);
  self->state.probe = std::move(probe);
  self->state.figures = std::move(figures);
  return {
    [=](atom::create, const trace& t, const storage::session_record& s,
        const storage::write_key& key)
      -> caf::result<committed<storage::session_record>> {
      return write(self, t, "create", key, [&](soci::session& sql) {
        storage::session_repository repo{sql};
        auto draft = s;
        draft.created_by = key.agent;
        draft.updated_by = key.agent;
        repo.create(draft);
        emit(sql, key, "session_created", s.session_id);
        // Read back: PostgreSQL's jsonb has its own form of the JSON, and the
        // answer must look like every later read.
        auto stored = repo.find(s.session_id);
        if (!stored)
          throw storage::not_found("session " + s.session_id + " vanished");
        return std::move(*stored);
      });
    },
    [=](atom::get, const trace& t,
        const std::string& tenant, const std::string& id)
      -> caf::result<storage::session_record> {
      return run(self, t, "get", [&](soci::session& sql) {
        auto found = storage::session_repository{sql}.find(id);
        if (!found || found->tenant != tenant)
          throw storage::not_found(no_session(id));
        return std::move(*found);
      });
    },
    [=](atom::update, const trace& t, const storage::session_update& u,
        const storage::write_key& key)
      -> caf::result<committed<storage::session_record>> {
      return write(self, t, "update", key, [&](soci::session& sql) {
        auto change = u;
        change.agent = key.agent;
        auto stored = storage::session_repository{sql}.update(change);
        emit(sql, key, "session_updated", u.session_id);
        return stored;
      });
    },
    [=](atom::erase, const trace& t,
        const std::string& id, const storage::write_key& key)
      -> caf::result<committed<std::vector<std::string>>> {
      return write(self, t, "erase", key, [&](soci::session& sql) {
        std::vector<std::string> site_ids;
        if (!storage::session_repository{sql}.remove(id, key.tenant, site_ids))
          throw storage::not_found(no_session(id));
        emit(sql, key, "session_deleted", id);
        return site_ids;
      });
    },
    [=](atom::list, const trace& t, const storage::session_page_query& q)
      -> caf::result<storage::session_page> {
      return run(self, t, "list", [&](soci::session& sql) {
        return storage::session_repository{sql}.list(q);
      });
    },
    [=](atom::prefs_put, const trace& t,
        const std::string& id, const std::string& prefs,
        int64_t expected, const storage::write_key& key)
      -> caf::result<committed<storage::session_record>> {
      return write(self, t, "prefs_put", key, [&](soci::session& sql) {
        auto stored = storage::preferences_repository{sql}.replace(
          id, key.tenant, prefs, expected, storage::now_timestamp(),
          key.agent);
        emit(sql, key, "preferences_updated", id);
        return stored;
      });
    },
    [=](atom::site_new, const trace& t, const storage::site_record& site,
        const storage::new_version& first, const storage::write_key& key)
      -> caf::result<committed<site_write>> {
      compress_ahead(self, {version_group{site.site_id, {first}, key}});
      return write(self, t, "site_new", key, [&](soci::session& sql) {
        require_session(self, sql, key.tenant, site.session_id);
        storage::site_repository repo{sql};
        auto draft = site;
        draft.created_by = key.agent;
        repo.create(draft, by(key, first));
        emit(sql, key, "site_created", site.session_id, site.site_id, 1);
        site_write out;
        out.view = read_view(repo, site.site_id);
        out.revision = out.view.site.revision;
        return out;
      });
    },
    [=](atom::site_fork, const trace& t, const storage::site_fork& f,
        const storage::write_key& key) -> caf::result<committed<site_write>> {
      return write(self, t, "site_fork", key, [&](soci::session& sql) {
        require_site(self, sql, key.tenant, f.source_site_id);
        if (!f.session_id.empty())
          require_session(self, sql, key.tenant, f.session_id);
        storage::site_repository repo{sql};
        auto forked = repo.fork(by(key, f));
        emit(sql, key, "site_forked", forked.session_id, forked.site_id,
             forked.latest_version, f.source_site_id);
        site_write out;
        out.view = read_view(repo, forked.site_id);
        out.revision = out.view.site.revision;
        return out;
      });
    },
    [=](atom::site_view, const trace& t,
        const std::string& tenant, const std::string& site_id)
      -> caf::result<storage::site_view> {
      return run(self, t, "site_view", [&](soci::session& sql) {
        require_site(self, sql, tenant, site_id);
        storage::site_repository repo{sql};
        return read_view(repo, site_id);
      });
    },
    [=](atom::site_list, const trace& t, const site_page_query& q)
      -> caf::result<storage::site_page> {
      return run(self, t, "site_list", [&](soci::session& sql) {
        require_session(self, sql, q.tenant, q.session_id);
        return storage::site_repository{sql}.list_sites(
          q.session_id, q.limit, q.has_cursor, q.after_created_at,
          q.after_site_id);
      });
    },
    [=](atom::ver_add, const trace& t,
        const std::vector<version_group>& groups)
      -> caf::result<committed<version_fold>> {
      if (groups.empty())
        return make_error(errc::validation, "a version write without versions");
      compress_ahead(self, groups);
      return write(self, t, "ver_add", groups.front().key,
                   [&](soci::session& sql) {
                     return add_version_groups(self, sql, groups);
                   });
    },
    [=](atom::ver_list, const trace& t, const version_page_query& q)
      -> caf::result<storage::version_page> {
      return run(self, t, "ver_list", [&](soci::session& sql) {
        require_site(self, sql, q.tenant, q.site_id);
        return storage::site_repository{sql}.list_versions(q.site_id, q.limit,
                                                           q.before_version);
      });
    },
    [=](atom::ver_get, const trace& t,
        const std::string& tenant, const std::string& site_id,
        int64_t n) -> caf::result<storage::version_record> {
      return run(self, t, "ver_get", [&](soci::session& sql) {
        require_site(self, sql, tenant, site_id);
        auto found = storage::site_repository{sql}.version(site_id, n);
        if (!found)
          throw storage::not_found("site " + site_id + " has no version "
                                   + std::to_string(n));
        return std::move(*found);
      });
    },
    [=](atom::audit_add, const trace& t, const storage::audit_record& a,
        const storage::write_key& key) -> caf::result<committed<site_write>> {
      return add_site_event(self, t, "audit_add", key, a.site_id,
                            "audit_added", a.version,
                            [&](storage::site_repository& repo,
                                site_write& out) {
                              out.audit = repo.add_audit(by(key, a));
                              return out.audit.audit_id;
                            });
    },
    [=](atom::deploy_add, const trace& t, const storage::deployment_record& d,
        const storage::write_key& key) -> caf::result<committed<site_write>> {
      return add_site_event(
        self, t, "deploy_add", key, d.site_id, "deployment_added", d.version,
        [&](storage::site_repository& repo, site_write& out) {
          out.deployment = repo.add_deployment(by(key, d));
          return out.deployment.deployment_id;
        });
    },
    [=](atom::ev_read, const trace& t, const std::string& tenant,
        const storage::event_position& after, bool from_start,
        int64_t limit) -> caf::result<storage::event_page> {
      return run(self, t, "ev_read", [&](soci::session& sql) {
        return storage::event_repository{sql}.after(
          tenant, after, from_start, static_cast<std::size_t>(limit));
      });
    },
    [=](atom::ev_latest, const trace& t)
      -> caf::result<storage::event_position> {
      return run(self, t, "ev_latest", [&](soci::session& sql) {
        return storage::event_repository{sql}.latest();
      });
    },
    [=](atom::ping) -> dependency_state {
      dependency_state state;
      state.kind = std::string{storage::to_string(self->state.url.kind)};
      try {
        if (!self->state.sql)
          self->state.sql = storage::open_database(self->state.url);
        int one = 0;
        // A connection the server dropped while this worker was idle (a
        // restart) is reopened once: the answer is about the database.
        const storage::retry_policy once_more{2, std::chrono::milliseconds{0},
                                              std::chrono::milliseconds{0}};
        storage::with_retry(*self->state.sql, once_more, [&] {
          *self->state.sql << "SELECT 1", soci::into(one);
        });
        state.up = one == 1;
      } catch (const std::exception& e) {
        self->state.sql.reset();
        state.detail = e.what();
      }
      self->state.figures->database().up.store(state.up,
                                               std::memory_order_relaxed);
      return state;
    },
    [=](atom::arch_read, const trace& t,
        const std::string& tenant, const std::string& id,
        bool include_sites) -> caf::result<storage::session_archive> {
      return run(self, t, "arch_read", [&](soci::session& sql) {
        require_session(self, sql, tenant, id);
        auto found = storage::archive_repository{sql}.read(id, include_sites);
        if (!found)
          throw storage::not_found(no_session(id));
        return std::move(*found);
      });
    },
    [=](atom::arch_write, const trace& t,
        const storage::session_archive& archive,
        caf::timestamp commit_by, const storage::write_key& key)
      -> caf::result<committed<import_summary>> {
      return write(self, t, "arch_write", key, [&](soci::session& sql) {
        auto owned = archive;
        owned.session.tenant = key.tenant;
        storage::archive_repository{sql}.write(owned, commit_by);
        emit(sql, key, "session_imported", owned.session.session_id);
        import_summary out{owned.session.session_id,
                           static_cast<int64_t>(owned.sites.size()), 0};
        for (const auto& s : owned.sites)
          out.versions += static_cast<int64_t>(s.versions.size());
        return out;
      });
    },
    [=](atom::status) -> caf::settings {
      return make_status(self, *self->state.probe);
    },
  };
}

pool_ptr<storage_actor>
make_storage_pool(caf::actor_system& sys,
                  std::shared_ptr<telemetry::registry> figures,
                  const storage::database_url& url, std::size_t size,
                  std::size_t queue_limit) {
  auto& database = figures->database();
  database.kind
    = url.kind == storage::backend::postgresql ? "postgresql" : "sqlite";
  database.pool_size = static_cast<int64_t>(size);
  auto workers = spawn_workers<storage_actor>(
    *figures, "storage", telemetry::actor_kind::detached, size,
    [&](probe_ptr probe) {
      return sys.spawn<caf::detached>(storage_worker, probe, figures, url);
    });
  auto refuser = caf::actor_cast<storage_actor>(spawn_refuser(
    sys, "every database connection has DATABASE_QUEUE_LIMIT requests "
         "waiting: try again shortly"));
  return std::make_shared<const worker_pool<storage_actor>>(
    std::move(workers), static_cast<int64_t>(queue_limit), std::move(refuser),
    &database.refused);
}

} // namespace memoryd

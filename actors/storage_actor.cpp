#include "actors/storage_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/pool.hpp"
#include "storage/archive_repository.hpp"
#include "storage/errors.hpp"
#include "storage/preferences_repository.hpp"
#include "storage/session_repository.hpp"
#include "storage/site_repository.hpp"
#include "storage/timestamp.hpp"

namespace memoryd {

namespace {

using self_ptr = storage_actor::stateful_pointer<storage_worker_state>;

template <class Work>
using work_result = decltype(std::declval<Work&>()(std::declval<soci::session&>()));

/// Runs `work(sql)` with retries and turns every failure into a caf::error,
/// so that no exception escapes a handler.
template <class Work>
caf::expected<work_result<Work>> attempt(self_ptr self, Work work) {
  using result_type = work_result<Work>;
  auto& st = self->state;
  auto failed = [&](errc code, std::string message) {
    ++st.counters.failed;
    return make_error(code, std::move(message));
  };
  try {
    if (!st.sql)
      st.sql = storage::open_database(st.url);
    std::optional<result_type> out;
    storage::with_retry(*st.sql, st.retry, [&] { out = work(*st.sql); });
    return std::move(*out);
  } catch (const storage::not_found& e) {
    return failed(errc::not_found, e.what());
  } catch (const storage::precondition_failed& e) {
    return failed(errc::precondition_failed, e.what());
  } catch (const storage::conflict& e) {
    return failed(errc::conflict, e.what());
  } catch (const storage::deadline_passed& e) {
    return failed(errc::timeout, e.what());
  } catch (const std::invalid_argument& e) {
    // Input the API layer let through but the repository refuses.
    return failed(errc::validation, e.what());
  } catch (const std::exception& e) {
    // SOCI puts the bound values into its messages: a version's whole code.
    std::string_view what = e.what();
    spdlog::error("storage: {}{} (connection will be reopened)",
                  what.substr(0, 400), what.size() > 400 ? "..." : "");
    st.sql.reset();
    return failed(errc::storage, "the database failed: try again later");
  }
}

/// attempt() as a handler's result.
template <class Work>
caf::result<work_result<Work>> run(self_ptr self, Work work) {
  ++self->state.counters.handled;
  auto out = attempt(self, std::move(work));
  if (!out)
    return std::move(out.error());
  return std::move(*out);
}

/// The view a site's GET shows and its cache holds.
storage::site_view read_view(storage::site_repository& repo,
                             const std::string& site_id) {
  auto view = repo.view(site_id, site_view_versions);
  if (!view)
    throw storage::not_found("site " + site_id + " does not exist");
  return std::move(*view);
}

/// A write below a site, then a read of what it committed. Each step is
/// retried on its own: a failed read must never run the committed write
/// again (it would add the same version twice).
template <class Write, class Read>
caf::result<site_write> write_then_read(self_ptr self, Write write, Read read) {
  ++self->state.counters.handled;
  auto written = attempt(self, [&](soci::session& sql) {
    site_write out;
    write(sql, out);
    return out;
  });
  if (!written)
    return std::move(written.error());
  auto done = attempt(self, [&](soci::session& sql) {
    read(sql, *written);
    return true;
  });
  if (!done)
    return std::move(done.error());
  return std::move(*written);
}

/// Reads the site's revision after a write (what the cache is fenced with).
auto read_revision(const std::string& site_id) {
  return [site_id](soci::session& sql, site_write& out) {
    auto revision = storage::site_repository{sql}.revision(site_id);
    if (!revision)
      throw storage::not_found("site " + site_id + " does not exist");
    out.revision = *revision;
  };
}

} // namespace

storage_worker_state::storage_worker_state() = default;
storage_worker_state::~storage_worker_state() = default;

storage_actor::behavior_type storage_worker(self_ptr self,
                                            storage::database_url url) {
  self->state.url = std::move(url);
  return {
    [=](atom::create, storage::session_record& s)
      -> caf::result<storage::session_record> {
      return run(self, [&](soci::session& sql) {
        storage::session_repository repo{sql};
        repo.create(s);
        // Read back: PostgreSQL's jsonb has its own form of the JSON, and the
        // answer must look like every later read.
        auto stored = repo.find(s.session_id);
        if (!stored)
          throw storage::not_found("session " + s.session_id + " vanished");
        return std::move(*stored);
      });
    },
    [=](atom::get, const std::string& id)
      -> caf::result<storage::session_record> {
      return run(self, [&](soci::session& sql) {
        auto found = storage::session_repository{sql}.find(id);
        if (!found)
          throw storage::not_found("session " + id + " does not exist");
        return std::move(*found);
      });
    },
    [=](atom::update, const storage::session_update& u)
      -> caf::result<storage::session_record> {
      return run(self, [&](soci::session& sql) {
        return storage::session_repository{sql}.update(u);
      });
    },
    [=](atom::erase, const std::string& id)
      -> caf::result<std::vector<std::string>> {
      return run(self, [&](soci::session& sql) {
        std::vector<std::string> site_ids;
        if (!storage::session_repository{sql}.remove(id, site_ids))
          throw storage::not_found("session " + id + " does not exist");
        return site_ids;
      });
    },
    [=](atom::list, const storage::session_page_query& q)
      -> caf::result<storage::session_page> {
      return run(self, [&](soci::session& sql) {
        return storage::session_repository{sql}.list(q);
      });
    },
    [=](atom::prefs_put, const std::string& id, const std::string& prefs,
        int64_t expected) -> caf::result<storage::session_record> {
      return run(self, [&](soci::session& sql) {
        return storage::preferences_repository{sql}.replace(
          id, prefs, expected, storage::now_timestamp());
      });
    },
    [=](atom::site_new, const storage::site_record& site,
        const storage::new_version& first) -> caf::result<site_write> {
      return write_then_read(
        self,
        [&](soci::session& sql, site_write&) {
          storage::site_repository{sql}.create(site, first);
        },
        [&](soci::session& sql, site_write& out) {
          storage::site_repository repo{sql};
          out.view = read_view(repo, site.site_id);
          out.revision = out.view.site.revision;
        });
    },
    [=](atom::site_view, const std::string& site_id)
      -> caf::result<storage::site_view> {
      return run(self, [&](soci::session& sql) {
        storage::site_repository repo{sql};
        return read_view(repo, site_id);
      });
    },
    [=](atom::site_list, const site_page_query& q)
      -> caf::result<storage::site_page> {
      return run(self, [&](soci::session& sql) {
        return storage::site_repository{sql}.list_sites(
          q.session_id, q.limit, q.has_cursor, q.after_created_at,
          q.after_site_id);
      });
    },
    [=](atom::ver_add, const std::string& site_id,
        const std::vector<storage::new_version>& batch)
      -> caf::result<site_write> {
      return run(self, [&](soci::session& sql) {
        site_write out;
        out.versions = storage::site_repository{sql}.add_versions(
          site_id, batch, &out.revision);
        return out;
      });
    },
    [=](atom::ver_list, const version_page_query& q)
      -> caf::result<storage::version_page> {
      return run(self, [&](soci::session& sql) {
        return storage::site_repository{sql}.list_versions(q.site_id, q.limit,
                                                           q.before_version);
      });
    },
    [=](atom::ver_get, const std::string& site_id, int64_t n)
      -> caf::result<storage::version_record> {
      return run(self, [&](soci::session& sql) {
        auto found = storage::site_repository{sql}.version(site_id, n);
        if (!found)
          throw storage::not_found("site " + site_id + " has no version "
                                   + std::to_string(n));
        return std::move(*found);
      });
    },
    [=](atom::audit_add, const storage::audit_record& a)
      -> caf::result<site_write> {
      return write_then_read(
        self,
        [&](soci::session& sql, site_write& out) {
          out.audit = storage::site_repository{sql}.add_audit(a);
        },
        read_revision(a.site_id));
    },
    [=](atom::deploy_add, const storage::deployment_record& d)
      -> caf::result<site_write> {
      return write_then_read(
        self,
        [&](soci::session& sql, site_write& out) {
          out.deployment = storage::site_repository{sql}.add_deployment(d);
        },
        read_revision(d.site_id));
    },
    [=](atom::ping) -> dependency_state {
      dependency_state state;
      state.kind = std::string{storage::to_string(self->state.url.kind)};
      try {
        if (!self->state.sql)
          self->state.sql = storage::open_database(self->state.url);
        int one = 0;
        *self->state.sql << "SELECT 1", soci::into(one);
        state.up = one == 1;
      } catch (const std::exception& e) {
        self->state.sql.reset();
        state.detail = e.what();
      }
      return state;
    },
    [=](atom::arch_read, const std::string& id, bool include_sites)
      -> caf::result<storage::session_archive> {
      return run(self, [&](soci::session& sql) {
        auto found = storage::archive_repository{sql}.read(id, include_sites);
        if (!found)
          throw storage::not_found("session " + id + " does not exist");
        return std::move(*found);
      });
    },
    [=](atom::arch_write, const storage::session_archive& archive,
        caf::timestamp commit_by) -> caf::result<bool> {
      return run(self, [&](soci::session& sql) {
        storage::archive_repository{sql}.write(archive, commit_by);
        return true;
      });
    },
    [=](atom::status) -> caf::settings {
      return make_status(self, self->state.counters);
    },
  };
}

storage_actor make_storage_pool(caf::actor_system& sys,
                                const storage::database_url& url,
                                std::size_t size) {
  return make_round_robin_pool<storage_actor>(
    sys, size, [&] { return sys.spawn<caf::detached>(storage_worker, url); });
}

} // namespace memoryd

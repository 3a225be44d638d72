#include "actors/storage_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/pool.hpp"
#include "storage/errors.hpp"
#include "storage/preferences_repository.hpp"
#include "storage/session_repository.hpp"
#include "storage/timestamp.hpp"

namespace memoryd {

namespace {

using self_ptr = storage_actor::stateful_pointer<storage_worker_state>;

/// Runs `work(sql)` with retries and turns every failure into a caf::error,
/// so that no exception escapes a handler.
template <class Work>
auto run(self_ptr self, Work work) -> caf::result<decltype(work(
  std::declval<soci::session&>()))> {
  using result_type = decltype(work(std::declval<soci::session&>()));
  auto& st = self->state;
  ++st.counters.handled;
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
  } catch (const std::exception& e) {
    spdlog::error("storage: {} (connection will be reopened)", e.what());
    st.sql.reset();
    return failed(errc::storage, "the database failed: try again later");
  }
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
    [=](atom::erase, const std::string& id) -> caf::result<bool> {
      return run(self, [&](soci::session& sql) {
        return storage::session_repository{sql}.remove(id);
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

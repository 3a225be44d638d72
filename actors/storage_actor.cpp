#include "actors/storage_actor.hpp"

#include <algorithm>
#include <numeric>
#include <optional>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "actors/errors.hpp"
#include "actors/result_codec.hpp"
#include "storage/archive_repository.hpp"
#include "storage/code_blobs.hpp"
#include "storage/dialect.hpp"
#include "storage/errors.hpp"
#include "storage/event_repository.hpp"
#include "storage/idempotency_repository.hpp"
#include "storage/ownership.hpp"
#include "storage/preferences_repository.hpp"
#include "storage/session_repository.hpp"
#include "storage/site_repository.hpp"
#include "storage/timestamp.hpp"
#include "storage/transaction.hpp"

namespace memoryd {

namespace {

using self_ptr = storage_actor::stateful_pointer<storage_worker_state>;

template <class Work>
using work_result = decltype(std::declval<Work&>()(std::declval<soci::session&>()));

/// Why a write was refused, as its API error.
struct refusal {
  errc code;
  std::string message;
};

/// The refusal a repository's domain exception stands for; none for a
/// failure of the database itself (or a bug), which fails the transaction.
std::optional<refusal> refusal_of(const std::exception& e) {
  if (dynamic_cast<const storage::not_found*>(&e))
    return refusal{errc::not_found, e.what()};
  if (dynamic_cast<const storage::precondition_failed*>(&e))
    return refusal{errc::precondition_failed, e.what()};
  if (dynamic_cast<const storage::conflict*>(&e))
    return refusal{errc::conflict, e.what()};
  if (dynamic_cast<const storage::deadline_passed*>(&e))
    return refusal{errc::timeout, e.what()};
  if (dynamic_cast<const storage::corrupt_blob*>(&e)) {
    // The database works; one stored text does not decode.
    spdlog::error("storage: {}", e.what());
    return refusal{errc::storage,
                   std::string{"stored code does not decode: "} + e.what()};
  }
  if (dynamic_cast<const std::invalid_argument*>(&e))
    // Input the API layer let through but the repository refuses.
    return refusal{errc::validation, e.what()};
  return std::nullopt;
}

/// Runs `work(sql)` with retries and turns every failure into a caf::error,
/// so that no exception escapes a handler.
template <class Work>
caf::expected<work_result<Work>> attempt(self_ptr self, Work work) {
  using result_type = work_result<Work>;
  auto& st = self->state;
  auto& database = st.figures->database();
  auto failed = [&](errc code, std::string message) {
    st.probe->failed();
    return make_error(code, std::move(message));
  };
  try {
    if (!st.sql)
      st.sql = storage::open_database(st.url);
    std::optional<result_type> out;
    storage::with_retry(*st.sql, st.retry, [&] { out = work(*st.sql); });
    database.up.store(true, std::memory_order_relaxed);
    return std::move(*out);
  } catch (const std::exception& e) {
    if (auto refused = refusal_of(e))
      return failed(refused->code, std::move(refused->message));
    // SOCI puts the bound values into its messages: a version's whole code.
    std::string_view what = e.what();
    if (st.sql && storage::dialect::classify(*st.sql, e)
                    == storage::dialect::failure::timed_out) {
      // The connection is fine (the transaction was rolled back): kept.
      spdlog::warn("storage: statement or lock timeout: {}{}",
                   what.substr(0, 400), what.size() > 400 ? "..." : "");
      return failed(errc::unavailable,
                    "the database did not answer in time (a lock held "
                    "elsewhere, or a slow statement): try again later");
    }
    spdlog::error("storage: {}{} (connection will be reopened)",
                  what.substr(0, 400), what.size() > 400 ? "..." : "");
    st.sql.reset();
    database.errors.fetch_add(1, std::memory_order_relaxed);
    database.up.store(false, std::memory_order_relaxed);
    return failed(errc::storage, "the database failed: try again later");
  }
}

/// attempt() as the result of the handler of `what`, measured in the
/// worker's probe.
template <class Work>
caf::result<work_result<Work>> run(self_ptr self, const trace& t,
                                   const char* what, Work work) {
  auto measured = handle(self->state.probe, t, what);
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

std::string no_session(const std::string& id) {
  return "session " + id + " does not exist";
}

std::string no_site(const std::string& id) {
  return "site " + id + " does not exist";
}

/// Throws not_found unless `tenant` owns the session (or site) `id`: another
/// tenant's is answered exactly like an unknown one. Owners never change, so
/// each worker remembers those it has seen (bounded); a remembered owner
/// costs no query and no allocation.
template <class Lookup>
void require_owner(self_ptr self, soci::session& sql, const std::string& tenant,
                   const std::string& id, Lookup lookup,
                   std::string (*missing)(const std::string&)) {
  auto& owners = self->state.owners;
  auto known = owners.find(id);
  if (known == owners.end()) {
    auto owner = lookup(sql, id);
    if (!owner)
      throw storage::not_found(missing(id));
    if (owners.size() >= max_remembered_owners)
      owners.clear();
    known = owners.emplace(id, std::move(*owner)).first;
  }
  if (known->second != tenant)
    throw storage::not_found(missing(id));
}

void require_session(self_ptr self, soci::session& sql,
                     const std::string& tenant, const std::string& id) {
  require_owner(self, sql, tenant, id, storage::session_owner, no_session);
}

void require_site(self_ptr self, soci::session& sql, const std::string& tenant,
                  const std::string& id) {
  require_owner(self, sql, tenant, id, storage::site_owner, no_site);
}

/// A repeat of a committed write: its result if it was the same request.
/// Replayed for a client's repeat; for the daemon's own key it is this
/// request's write, whose answer only was lost (so the cache is fenced as
/// after any write).
template <class T>
committed<T> replay(const storage::write_key& key,
                    const storage::stored_write& prior) {
  if (prior.operation != key.operation
      || prior.request_sha256 != key.request_sha256)
    throw storage::conflict("Idempotency-Key \"" + key.key
                            + "\" was used for another request");
  if (prior.result.empty())
    throw storage::conflict("the request with Idempotency-Key \"" + key.key
                            + "\" is still in progress");
  try {
    return {decode_result<T>(prior.result), key.from_client};
  } catch (const result_layout_mismatch&) {
    // Committed by a memoryd before an upgrade: its answer cannot be
    // rebuilt, but the client must learn that the write happened.
    throw storage::conflict("the request with Idempotency-Key \"" + key.key
                            + "\" was committed by an earlier version of "
                              "memoryd, whose answer cannot be replayed: "
                              "read the resource instead");
  }
}

/// Runs `work(sql)` as one transaction together with its write key (with
/// the retries of attempt()): a client's key is claimed first, so that a
/// concurrent repeat waits and then replays; a key the daemon made is
/// looked up only when the storage retry runs the write again, which is
/// when an ambiguous COMMIT may have gone through.
template <class Work>
caf::result<committed<work_result<Work>>>
write(self_ptr self, const trace& t, const char* what,
      const storage::write_key& key, Work work) {
  using result_type = work_result<Work>;
  int attempt = 0;
  return run(self, t, what, [&](soci::session& sql) -> committed<result_type> {
    ++attempt;
    storage::write_transaction tx{sql};
    storage::idempotency_repository keys{sql};
    const auto now = storage::now_timestamp();
    if (key.from_client) {
      if (auto prior = keys.claim(key, now))
        return replay<result_type>(key, *prior);
    } else if (attempt > 1) {
      if (auto prior = keys.find(key))
        return replay<result_type>(key, *prior);
    }
    committed<result_type> out{work(sql), false};
    auto result = encode_result(out.value);
    if (key.from_client)
      keys.complete(key, result);
    else
      keys.record(key, result, now);
    tx.commit();
    return out;
  });
}

/// Compresses the code of versions about to be added to `site_id` before
/// their write transaction opens (storage/code_blobs.hpp), so that no lock
/// is held meanwhile (SQLite's BEGIN IMMEDIATE holds every writer). Only a
/// head start: on any failure the write compresses inside instead.
template <class Versions>
void compress_ahead(self_ptr self, const std::string& site_id,
                    const Versions& versions) {
  auto& st = self->state;
  if (!st.sql)
    return;  // the write opens the connection
  std::vector<storage::code_blobs::code_ref> codes;
  for (const auto& v : versions)
    codes.push_back({v.code, v.code_sha256});
  try {
    storage::code_blobs::prepare(*st.sql, site_id, codes);
  } catch (const std::exception& e) {
    spdlog::debug("storage: compressing ahead failed: {}",
                  std::string{e.what()}.substr(0, 200));
  }
}

/// The metadata of versions just added, for their answers.
std::vector<storage::version_record>
added_versions(const std::string& site_id,
               const std::vector<storage::new_version>& batch,
               const std::vector<int64_t>& numbers) {
  std::vector<storage::version_record> out;
  out.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto& meta = batch[i];
    storage::version_record v;
    v.site_id = site_id;
    v.version = numbers[i];
    v.code_size = meta.code_size;
    v.code_sha256 = meta.code_sha256;
    v.has_requirements = meta.has_requirements;
    v.requirements_json = meta.requirements_json;
    v.has_changes = meta.has_changes;
    v.changes = meta.changes;
    v.restored_from = meta.restored_from;
    v.agent = meta.agent;
    v.created_at = meta.created_at;
    out.push_back(std::move(v));
  }
  return out;
}

/// Appends the change feed's event of the write under `key`, in its
/// transaction. Without `session_id`, the event names `site_id`'s session.
void emit(soci::session& sql, const storage::write_key& key, const char* type,
          const std::string& session_id, const std::string& site_id = {},
          int64_t version = 0, const std::string& ref_id = {}) {
  storage::event_record e;
  e.tenant = key.tenant;
  e.type = type;
  e.session_id = session_id;
  e.site_id = site_id;
  e.version = version;
  e.ref_id = ref_id;
  e.agent = key.agent;
  storage::event_repository{sql}.append(e);
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
add_site_event(self_ptr self, const trace& t, const char* what,
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

/// Adds one site's versions (after checking its tenant) and their events.
site_write add_group(self_ptr self, soci::session& sql,
                     const version_group& g) {
  require_site(self, sql, g.key.tenant, g.site_id);
  site_write out;
  auto numbers = storage::site_repository{sql}.add_versions(
    g.site_id, g.versions, &out.revision);
  // Each version's own agent: versions of several requests share the
  // group's key (see site_actor.cpp).
  for (std::size_t i = 0; i < g.versions.size(); ++i) {
    auto per_version = g.key;
    per_version.agent = g.versions[i].agent;
    emit(sql, per_version,
         g.versions[i].restored_from > 0 ? "version_restored" : "version_added",
         {}, g.site_id, numbers[i]);
  }
  out.versions = added_versions(g.site_id, g.versions, numbers);
  return out;
}

/// The groups of a folded write, in the open transaction: site rows are
/// locked in site id order, so that folds of several daemons never wait for
/// each other in a cycle. With several groups each runs under a savepoint:
/// a refused one (its site gone or another tenant's, a conflict) is undone
/// and answered alone while the others commit. A failure of the database
/// fails them all, as it fails any transaction.
version_fold add_groups(self_ptr self, soci::session& sql,
                        const std::vector<version_group>& groups) {
  version_fold out;
  out.groups.resize(groups.size());
  if (groups.size() == 1) {
    out.groups.front().write = add_group(self, sql, groups.front());
    return out;
  }
  std::vector<std::size_t> order(groups.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return groups[a].site_id < groups[b].site_id;
  });
  for (auto i : order) {
    storage::savepoint part{sql};
    try {
      out.groups[i].write = add_group(self, sql, groups[i]);
      part.release();
    } catch (const std::exception& e) {
      auto refused = refusal_of(e);
      if (!refused)
        throw;
      part.roll_back();
      self->state.probe->failed();
      out.groups[i].refused = static_cast<uint8_t>(refused->code);
      out.groups[i].message = std::move(refused->message);
    }
  }
  return out;
}

} // namespace

storage_worker_state::storage_worker_state() = default;
storage_worker_state::~storage_worker_state() = default;

storage_actor::behavior_type
storage_worker(self_ptr self, probe_ptr probe,
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
      compress_ahead(self, site.site_id, std::vector{first});
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
      for (const auto& g : groups)
        compress_ahead(self, g.site_id, g.versions);
      return write(self, t, "ver_add", groups.front().key,
                   [&](soci::session& sql) {
                     return add_groups(self, sql, groups);
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

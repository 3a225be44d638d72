#include "actors/backup_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <spdlog/spdlog.h>

#include "actors/actor_support.hpp"
#include "actors/errors.hpp"
#include "storage/timestamp.hpp"

namespace memoryd {

namespace {

using self_ptr = backup_actor::stateful_pointer<backup_state>;

errc errc_of(error_type type) {
  return type == error_type::payload_too_large ? errc::payload_too_large
                                               : errc::validation;
}

/// Everything gets a new id, so that an import never touches existing data
/// (and the same backup can be imported twice); the importer's tenant owns
/// it (storage sets that). The session starts its life now: retention
/// counts from the import, not from the original. Its revision is the
/// document's, so that a re-export matches the original's but for ids and
/// timestamps.
void give_new_identity(storage::session_archive& archive) {
  auto& session = archive.session;
  session.session_id = new_uuid();
  session.created_at = session.updated_at = storage::now_timestamp();
  for (auto& s : archive.sites) {
    s.site.site_id = new_uuid();
    s.site.session_id = session.session_id;
    s.site.revision = 1;
    for (auto& v : s.versions)
      v.site_id = s.site.site_id;
    for (auto& a : s.audits) {
      a.audit_id = new_uuid();
      a.site_id = s.site.site_id;
    }
    for (auto& d : s.deployments) {
      d.deployment_id = new_uuid();
      d.site_id = s.site.site_id;
    }
  }
}

/// The 201 answer: the new session's id and what it holds.
rendered import_answer(const committed<import_summary>& c) {
  const auto& s = c.value;
  return {s.session_id, 1,
          "{\"session_id\":\"" + s.session_id
            + "\",\"sites\":" + std::to_string(s.sites)
            + ",\"versions\":" + std::to_string(s.versions) + "}",
          false, c.replayed};
}

} // namespace

backup_actor::behavior_type backup_worker(self_ptr self, probe_ptr probe,
                                          pool_ptr<storage_actor> store,
                                          backup_options options) {
  self->state.probe = std::move(probe);
  self->state.store = std::move(store);
  self->state.options = options;
  return {
    [=](atom::export_, const trace& t, const std::string& tenant,
        const std::string& session_id, bool include_sites,
        bool compress) -> caf::result<std::string> {
      auto measured = handle(self->state.probe, t, "export");
      auto rp = self->make_response_promise<std::string>();
      traced_request(self, self->state.store,
                     self->state.options.storage_timeout, t,
                     atom::arch_read::value, tenant, session_id, include_sites)
        .then(
          [=](storage::session_archive& archive) mutable {
            const auto started = std::chrono::steady_clock::now();
            auto body =
              render_export_body(archive, compress, storage::now_timestamp());
            ++self->state.exported;
            spdlog::info(
              "backup: exported session {} ({} sites, {} bytes, {:.1f} ms)",
              session_id, archive.sites.size(), body.size(),
              std::chrono::duration<double, std::milli>(
                std::chrono::steady_clock::now() - started)
                .count());
            rp.deliver(std::move(body));
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::import_, const trace& t, std::string& body,
        caf::timestamp commit_by,
        storage::write_key& key) -> caf::result<rendered> {
      auto measured = handle(self->state.probe, t, "import");
      storage::session_archive archive;
      try {
        archive = read_import_body(body, self->state.options.limits);
      } catch (const request_error& e) {
        self->state.probe->failed();
        return make_error(errc_of(e.type), e.what());
      }
      std::string{}.swap(body);  // the document is in `archive` now
      give_new_identity(archive);
      auto rp = self->make_response_promise<rendered>();
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        commit_by - caf::make_timestamp());
      if (left.count() <= 0)
        return make_error(errc::timeout, "the import did not finish within the "
                                         "request's deadline; nothing was written");
      traced_request(self, self->state.store, left + std::chrono::seconds{1},
                     t, atom::arch_write::value, std::move(archive),
                     commit_by, std::move(key))
        .then(
          [=](committed<import_summary>& c) mutable {
            auto answer = import_answer(c);
            if (!c.replayed) {
              ++self->state.imported;
              spdlog::info("backup: imported session {}: {}", answer.id,
                           answer.body);
            }
            rp.deliver(std::move(answer));
          },
          fail_to(self, rp));
      return rp;
    },
    [=](atom::status) {
      auto s = make_status(self, *self->state.probe);
      caf::put(s, "sessions-exported", self->state.exported);
      caf::put(s, "sessions-imported", self->state.imported);
      return s;
    },
  };
}

pool_ptr<backup_actor> make_backup_pool(caf::actor_system& sys,
                                        telemetry::registry& figures,
                                        pool_ptr<storage_actor> store,
                                        const backup_options& options,
                                        std::size_t workers) {
  return make_pool<backup_actor>(
    figures, "backup", telemetry::actor_kind::detached, workers,
    [&](probe_ptr probe) {
      return sys.spawn<caf::detached>(backup_worker, probe, store, options);
    });
}

} // namespace memoryd

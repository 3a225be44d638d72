#include "actors/compactor.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "actors/status.hpp"
#include "storage/retry.hpp"
#include "telemetry/clock.hpp"

namespace memoryd {

namespace {

using self_ptr = compactor_actor::stateful_pointer<compactor_state>;

/// One batch; true when more may follow.
bool convert_batch(compactor_state& st) {
  if (!st.sql)
    st.sql = storage::open_database(st.config.url);
  auto& sql = *st.sql;
  storage::conversion_batch batch;
  storage::with_retry(sql, {}, [&] {
    auto cursor = st.cursor;
    batch = storage::convert_plain_versions(sql, cursor, st.config.batch_size);
    st.cursor = cursor;
  });
  st.converted += static_cast<int64_t>(batch.converted);
  if (batch.left_plain > 0)
    spdlog::warn("compactor: {} version rows before {} version {} keep their "
                 "code in the row: their code_sha256 is not their code's",
                 batch.left_plain, st.cursor.site_id, st.cursor.version);
  return batch.read == st.config.batch_size;
}

} // namespace

compactor_state::compactor_state() = default;
compactor_state::~compactor_state() = default;

compactor_actor::behavior_type
compactor(self_ptr self, probe_ptr probe, compactor_config config,
          std::shared_ptr<const std::atomic<bool>> stopping) {
  auto& st = self->state;
  st.probe = std::move(probe);
  st.config = std::move(config);
  st.stopping = std::move(stopping);
  return {
    [=](atom::compact) {
      auto& st = self->state;
      if (st.stopping && st.stopping->load()) {
        self->quit();
        return;
      }
      auto measured = handle(st.probe, {}, "compact");
      try {
        if (!convert_batch(st)) {
          if (st.converted > 0)
            spdlog::info("compactor: converted {} version rows into code "
                         "blobs; none is left",
                         st.converted);
          self->quit();
          return;
        }
        st.probe->progress(telemetry::now_ns());
        self->delayed_send(self, st.config.batch_pause, atom::compact::value);
      } catch (const std::exception& e) {
        st.probe->failed();
        st.sql.reset();
        spdlog::error("compactor: a batch failed, next try in {} s: {}",
                      st.config.retry_after.count(),
                      std::string{e.what()}.substr(0, 400));
        self->delayed_send(self, st.config.retry_after, atom::compact::value);
      }
    },
    [=](atom::status) { return make_status(self, *self->state.probe); },
  };
}

} // namespace memoryd

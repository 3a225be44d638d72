#include "actors/diff_actor.hpp"

#include <caf/actor_system.hpp>
#include <caf/sec.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/diff_codec.hpp"
#include "actors/errors.hpp"

namespace memoryd {

diff_actor::behavior_type
diff_worker(diff_actor::stateful_pointer<diff_state> self, probe_ptr probe,
            diff_options options) {
  self->state.probe = std::move(probe);
  self->state.options = options;
  return {
    [=](atom::ver_diff, const trace& t,
        const diff_job& job) -> caf::result<diff_answer> {
      auto measured = handle(self->state.probe, t, "ver_diff");
      try {
        auto answer = answer_diff(job, self->state.options.limits);
        ++(answer.not_modified ? self->state.not_modified : self->state.diffs);
        return answer;
      } catch (const request_error& e) {
        self->state.probe->failed();
        ++self->state.refused;
        return make_error(errc::payload_too_large, e.what());
      } catch (const std::exception& e) {  // a bug: the worker lives on
        self->state.probe->failed();
        return caf::make_error(caf::sec::runtime_error, e.what());
      }
    },
    [=](atom::status) {
      auto s = make_status(self, *self->state.probe);
      caf::put(s, "diffs", self->state.diffs);
      caf::put(s, "not-modified", self->state.not_modified);
      caf::put(s, "refused", self->state.refused);
      return s;
    },
  };
}

pool_ptr<diff_actor> make_diff_pool(caf::actor_system& sys,
                                    telemetry::registry& figures,
                                    const diff_options& options) {
  auto workers = spawn_workers<diff_actor>(
    figures, "diff", telemetry::actor_kind::detached, options.workers,
    [&](probe_ptr probe) {
      return sys.spawn<caf::detached>(diff_worker, probe, options);
    });
  auto refuser = caf::actor_cast<diff_actor>(spawn_refuser(
    sys, "every diff worker has enough diffs waiting: try again shortly"));
  return std::make_shared<const worker_pool<diff_actor>>(
    std::move(workers), options.queue_limit, std::move(refuser));
}

} // namespace memoryd

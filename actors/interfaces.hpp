#pragma once

// The whole system's vocabulary in one place: atoms, message payloads and
// every typed actor interface (the way tenzir declares its actors in one
// actors.hpp). Each signature says in one line what it does.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/replies_to.hpp>
#include <caf/settings.hpp>
#include <caf/timestamp.hpp>
#include <caf/typed_actor.hpp>

#include "actors/api.hpp"
#include "actors/record_inspection.hpp"
#include "actors/site_payloads.hpp"
#include "telemetry/seqlock_cell.hpp"

// -- atoms (at most 10 characters each) ---------------------------------------

namespace memoryd::atom {

using http = caf::atom_constant<caf::atom("http")>;
using create = caf::atom_constant<caf::atom("create")>;
using get = caf::atom_constant<caf::atom("get")>;
using update = caf::atom_constant<caf::atom("update")>;
using erase = caf::atom_constant<caf::atom("erase")>;
using list = caf::atom_constant<caf::atom("list")>;
using merge = caf::atom_constant<caf::atom("merge")>;
using put = caf::atom_constant<caf::atom("put")>;
using invalidate = caf::atom_constant<caf::atom("invalidate")>;
using prefs_put = caf::atom_constant<caf::atom("prefs_put")>;
using ping = caf::atom_constant<caf::atom("ping")>;
using site_new = caf::atom_constant<caf::atom("site_new")>;
using site_view = caf::atom_constant<caf::atom("site_view")>;
using site_list = caf::atom_constant<caf::atom("site_list")>;
using ver_add = caf::atom_constant<caf::atom("ver_add")>;
using ver_list = caf::atom_constant<caf::atom("ver_list")>;
using ver_get = caf::atom_constant<caf::atom("ver_get")>;
using ver_diff = caf::atom_constant<caf::atom("ver_diff")>;
using audit_add = caf::atom_constant<caf::atom("audit_add")>;
using deploy_add = caf::atom_constant<caf::atom("deploy_add")>;
using status = caf::atom_constant<caf::atom("status")>;
using arch_read = caf::atom_constant<caf::atom("arch_read")>;
using arch_write = caf::atom_constant<caf::atom("arch_write")>;
using export_ = caf::atom_constant<caf::atom("export")>;
using import_ = caf::atom_constant<caf::atom("import")>;
using cleanup = caf::atom_constant<caf::atom("cleanup")>;
using cleaned = caf::atom_constant<caf::atom("cleaned")>;
using last_run = caf::atom_constant<caf::atom("last_run")>;
using wake = caf::atom_constant<caf::atom("wake")>;
using sample = caf::atom_constant<caf::atom("sample")>;
using compact = caf::atom_constant<caf::atom("compact")>;
using ev_read = caf::atom_constant<caf::atom("ev_read")>;
using ev_latest = caf::atom_constant<caf::atom("ev_latest")>;
using ev_wait = caf::atom_constant<caf::atom("ev_wait")>;
using ev_check = caf::atom_constant<caf::atom("ev_check")>;
using ev_expire = caf::atom_constant<caf::atom("ev_expire")>;
using stop = caf::atom_constant<caf::atom("stop")>;
using restore = caf::atom_constant<caf::atom("restore")>;
using site_fork = caf::atom_constant<caf::atom("site_fork")>;

} // namespace memoryd::atom

// -- payloads -----------------------------------------------------------------

namespace memoryd {

/// What every request between our actors carries besides its payload:
/// the HTTP request it serves and when it was sent. The receiver's probe
/// turns them into its mailbox wait and shows the id while it works on it
/// (telemetry/actor_probe.hpp). Inline and trivially copyable: a hop
/// allocates nothing for it.
struct trace {
  telemetry::short_text request_id;
  int64_t sent_ns = 0;  // telemetry::now_ns() when it was sent
};

/// A response body rendered by a domain actor, with what the HTTP layer
/// needs around it (ETag, X-Cache).
struct rendered {
  std::string id;
  int64_t revision = 0;
  std::string body;
  bool cache_hit = false;
  bool replayed = false;  // the first answer to a repeated Idempotency-Key
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, rendered& x) {
  return f(caf::meta::type_name("rendered"), x.id, x.revision, x.body,
           x.cache_hit, x.replayed);
}

/// A storage write's answer: what it committed or, for a repeat of a
/// committed write (the same key and request), what that one committed.
/// A replayed value may be older than the database: never cache it.
template <class T>
struct committed {
  T value;
  bool replayed = false;
};

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, committed<T>& x) {
  return f(caf::meta::type_name("committed"), x.value, x.replayed);
}

/// What an import committed: the new session and what it holds.
struct import_summary {
  std::string session_id;
  int64_t sites = 0;
  int64_t versions = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, import_summary& x) {
  return f(caf::meta::type_name("import_summary"), x.session_id, x.sites,
           x.versions);
}

/// The answer of a cache lookup.
struct cache_lookup {
  bool found = false;
  int64_t revision = 0;
  std::string value;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cache_lookup& x) {
  return f(caf::meta::type_name("cache_lookup"), x.found, x.revision, x.value);
}

/// State of a dependency for /readyz: "up" or "down", with detail.
struct dependency_state {
  bool up = false;
  std::string kind;    // "sqlite", "postgresql", "redis", "in-process"
  std::string detail;  // the last error when down
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, dependency_state& x) {
  return f(caf::meta::type_name("dependency_state"), x.up, x.kind, x.detail);
}

/// GET /api/events: one page of a tenant's change feed.
struct event_query {
  std::string tenant;
  storage::event_position after;
  bool from_start = true;   // no ?after: from the oldest event kept
  int64_t limit = 100;      // 1..1000
  int64_t wait_ms = 0;      // how long to wait for an event, 0..30 s
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_query& x) {
  return f(caf::meta::type_name("event_query"), x.tenant, x.after,
           x.from_start, x.limit, x.wait_ms);
}

} // namespace memoryd

// Local-only payloads: they never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memoryd::api_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memoryd::trace)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(memoryd::responder_ptr)

// -- actor interfaces ---------------------------------------------------------

// Every request of the domain carries a `trace` right after its atom, and is
// sent with traced_request() (actors/probed.hpp), which counts it into the
// receiver's mailbox; the receiver measures it with a telemetry::handling.

namespace memoryd {

/// Every component answers `status` with its counters, for /admin/stats and
/// `memoryctl top`.
using status_client_actor
  = caf::typed_actor<caf::replies_to<atom::status>::with<caf::settings>>;

/// Turns HTTP requests into domain messages and domain answers (or errors)
/// into HTTP responses. One of a fixed set, pinned per connection.
using front_actor = caf::typed_actor<
  // Serves one routed request and answers it through the responder.
  caf::reacts_to<atom::http, trace, api_request, responder_ptr>>::
  extend_with<status_client_actor>;

/// Sessions: cache first, storage on a miss, cache refreshed after commits.
/// Every message names its tenant (in the record, query or write key): what
/// belongs to another tenant answers errc::not_found, as if it did not exist.
/// Every write carries a write_key (see storage::write_key).
using session_actor = caf::typed_actor<
  // Creates a session from a validated draft (id and timestamps are set here).
  caf::replies_to<atom::create, trace,
                  storage::session_record, storage::write_key>::
    with<rendered>,
  // Reads a session (tenant, id; cache_hit tells where it came from).
  caf::replies_to<atom::get, trace, std::string, std::string>::with<rendered>,
  // Applies a PUT (optionally conditional on a revision).
  caf::replies_to<atom::update, trace,
                  storage::session_update, storage::write_key>::
    with<rendered>,
  // Deletes a session and everything it owns (errc::not_found when it did
  // not exist) and drops their cache entries; answers (with an empty body)
  // once done.
  caf::replies_to<atom::erase, trace, std::string, storage::write_key>::
    with<rendered>,
  // One page of sessions as the rendered list body.
  caf::replies_to<atom::list, trace,
                  storage::session_page_query>::with<std::string>>::
  extend_with<status_client_actor>;

/// Preferences: merge-patches a session's preferences with type checks,
/// retrying on a concurrent change unless the client named the revision.
using preference_actor = caf::typed_actor<
  // Applies a JSON merge patch (session id, patch text, If-Match revision
  // or -1); answers the rendered {"session_id", "preferences"} with the new
  // revision.
  caf::replies_to<atom::merge, trace, std::string, std::string, int64_t,
                  storage::write_key>::with<rendered>>::
  extend_with<status_client_actor>;

/// Sites and their versions, audits and deployments. Sharded by site id;
/// new versions of one site that arrive together are folded into one
/// transaction (each still gets its own gapless number, each answer is sent
/// after the commit). The site's view is cached and written through.
using site_actor = caf::typed_actor<
  // Creates a site (draft record, version 1); answers the rendered view.
  caf::replies_to<atom::site_new, trace,
                  storage::site_record, storage::new_version,
                  storage::write_key>::with<rendered>,
  // Reads a site's view (tenant, site id; cache first).
  caf::replies_to<atom::site_view, trace,
                  std::string, std::string>::with<rendered>,
  // One page of a session's sites as the rendered list body.
  caf::replies_to<atom::site_list, trace, site_page_query>::with<std::string>,
  // Adds a version (site id, version); answers its rendered metadata.
  caf::replies_to<atom::ver_add, trace, std::string, storage::new_version,
                  storage::write_key>::with<rendered>,
  // One page of version metadata as the rendered list body.
  caf::replies_to<atom::ver_list, trace, version_page_query>::with<std::string>,
  // One version with its code (tenant, site id, number).
  caf::replies_to<atom::ver_get, trace, std::string, std::string, int64_t>::
    with<rendered>,
  // Records an audit (its score becomes the version's audit_score).
  caf::replies_to<atom::audit_add, trace,
                  storage::audit_record, storage::write_key>::
    with<rendered>,
  // Records a deployment.
  caf::replies_to<atom::deploy_add, trace, storage::deployment_record,
                  storage::write_key>::with<rendered>,
  // Restores a version as the next one (site id; the draft names the
  // version in restored_from and says so in changes): queued with ver_add's.
  caf::replies_to<atom::restore, trace, std::string, storage::new_version,
                  storage::write_key>::with<rendered>,
  // Forks a site; answers the new site's rendered view.
  caf::replies_to<atom::site_fork, trace, storage::site_fork,
                  storage::write_key>::with<rendered>>::
  extend_with<status_client_actor>;

/// The cache: Redis or the in-process LRU behind one interface. Never fails:
/// trouble is a miss or a skipped write.
using cache_actor = caf::typed_actor<
  // Looks a key up.
  caf::replies_to<atom::get, trace, std::string>::with<cache_lookup>,
  // Stores (key, revision, value, ttl seconds) unless a newer revision is
  // there; answers whether it stored.
  caf::replies_to<atom::put, trace,
                  std::string, int64_t, std::string, int64_t>::
    with<bool>,
  // The same for many (in one Redis round trip); answers whether the cache
  // took every one, stored or not.
  caf::replies_to<atom::put, trace, std::vector<cache::put_request>>::
    with<bool>,
  // Replaces a key by a tombstone that outranks late fills.
  caf::replies_to<atom::invalidate, trace, std::string>::with<bool>,
  // The same for many keys at once (in one Redis round trip).
  caf::replies_to<atom::invalidate, trace,
                  std::vector<std::string>>::with<bool>,
  // Reachability for /readyz.
  caf::replies_to<atom::ping>::with<dependency_state>>::
  extend_with<status_client_actor>;

/// A storage worker (detached: SOCI blocks) owning one database connection;
/// a pool of them sits behind one handle. Errors are errc::not_found (also
/// for what belongs to another tenant), precondition_failed, conflict or
/// storage. Every write runs in one transaction together with its write
/// key, and answers what it committed; a repeat of a committed key and
/// request answers that again (replayed) and writes nothing.
using storage_actor = caf::typed_actor<
  // Inserts a new session with its preferences row.
  caf::replies_to<atom::create, trace,
                  storage::session_record, storage::write_key>::
    with<committed<storage::session_record>>,
  // Reads one session (tenant, id).
  caf::replies_to<atom::get, trace, std::string, std::string>::
    with<storage::session_record>,
  // Applies an update, bumping the revision.
  caf::replies_to<atom::update, trace,
                  storage::session_update, storage::write_key>::
    with<committed<storage::session_record>>,
  // Deletes a session (cascading) and answers the ids of the sites that went
  // with it; errc::not_found when it did not exist.
  caf::replies_to<atom::erase, trace, std::string, storage::write_key>::
    with<committed<std::vector<std::string>>>,
  // One page of sessions.
  caf::replies_to<atom::list, trace, storage::session_page_query>::
    with<storage::session_page>,
  // Replaces preferences (session id, JSON, expected revision).
  caf::replies_to<atom::prefs_put, trace, std::string, std::string, int64_t,
                  storage::write_key>::
    with<committed<storage::session_record>>,
  // Creates a site with its version 1; answers its view.
  caf::replies_to<atom::site_new, trace,
                  storage::site_record, storage::new_version,
                  storage::write_key>::with<committed<site_write>>,
  // Reads a site's view (tenant, site id).
  caf::replies_to<atom::site_view, trace, std::string, std::string>::
    with<storage::site_view>,
  // One page of a session's sites.
  caf::replies_to<atom::site_list, trace,
                  site_page_query>::with<storage::site_page>,
  // Forks a site (the key's tenant must own source and session); answers
  // the new site's view.
  caf::replies_to<atom::site_fork, trace, storage::site_fork,
                  storage::write_key>::with<committed<site_write>>,
  // Appends the versions of one or more sites in one transaction under
  // the first group's key; each group's metadata and new revision, or its
  // own refusal (the others commit regardless).
  caf::replies_to<atom::ver_add, trace, std::vector<version_group>>::
    with<committed<version_fold>>,
  // One page of version metadata.
  caf::replies_to<atom::ver_list, trace, version_page_query>::
    with<storage::version_page>,
  // One version with code (tenant, site id, number).
  caf::replies_to<atom::ver_get, trace, std::string, std::string, int64_t>::
    with<storage::version_record>,
  // Records an audit; the audit and the new revision.
  caf::replies_to<atom::audit_add, trace,
                  storage::audit_record, storage::write_key>::
    with<committed<site_write>>,
  // Records a deployment; the deployment and the new revision.
  caf::replies_to<atom::deploy_add, trace, storage::deployment_record,
                  storage::write_key>::with<committed<site_write>>,
  // Runs a trivial query for /readyz.
  caf::replies_to<atom::ping>::with<dependency_state>,
  // Reads a whole session (tenant, id, include_sites) in one snapshot.
  caf::replies_to<atom::arch_read, trace, std::string, std::string, bool>::
    with<storage::session_archive>,
  // One page of the tenant's change feed after a position (from_start: the
  // client gave no cursor), at most `limit` events.
  caf::replies_to<atom::ev_read, trace, std::string, storage::event_position,
                  bool, int64_t>::with<storage::event_page>,
  // The newest event any reader may see now, of any tenant.
  caf::replies_to<atom::ev_latest, trace>::with<storage::event_position>,
  // Writes a whole session with all it holds in one transaction, in the
  // write key's tenant, which is rolled back instead of committed once the
  // deadline has passed (the requester has given up and answered the
  // client).
  caf::replies_to<atom::arch_write, trace,
                  storage::session_archive, caf::timestamp,
                  storage::write_key>::with<committed<import_summary>>>::
  extend_with<status_client_actor>;

/// Export and import of whole sessions. The heavy part (rendering, gzip,
/// base64, parsing and checking documents of up to MAX_IMPORT_BYTES) runs on
/// a few detached workers of its own, never on the scheduler's threads; the
/// rows go through the storage pool.
using backup_actor = caf::typed_actor<
  // Exports (tenant, session id, include_sites, compress); answers the
  // 200 body.
  caf::replies_to<atom::export_, trace, std::string, std::string, bool, bool>::
    with<std::string>,
  // Imports the backup in a raw POST /api/sessions/import body into the
  // write key's tenant, committing before the deadline; answers the new
  // session's id and the 201 body.
  caf::replies_to<atom::import_, trace, std::string, caf::timestamp,
                  storage::write_key>::with<rendered>>::
  extend_with<status_client_actor>;

/// The change feed's long poll: answers GET /api/events at once when there
/// are events, else parks the request (bounded: errc::unavailable past
/// the limit) and answers it when an event becomes visible or its wait is
/// up. No storage worker waits: parked requests are re-read when the
/// newest visible event moves, checked after every local write and on a
/// short timer (for the writes of other daemons).
using events_actor = caf::typed_actor<
  // One page of the feed, waiting up to the query's wait_ms for one.
  caf::replies_to<atom::ev_wait, trace, event_query>::
    with<storage::event_page>,
  // A write committed in this process: look for new events now.
  caf::reacts_to<atom::wake>,
  // Its timer: look for new events (of any process).
  caf::reacts_to<atom::ev_check>,
  // The wait of a parked request (by its number) is up.
  caf::reacts_to<atom::ev_expire, uint64_t>,
  // The daemon stops: answer every parked request now, park no more.
  caf::reacts_to<atom::stop>>::extend_with<status_client_actor>;

/// Diffs of two versions of a site (lines, JSON Patch, metadata): bounded
/// CPU work of up to about a second, on a few detached workers of its own,
/// never on the scheduler's threads. Errors: errc::payload_too_large past
/// a limit of the line diff.
using diff_actor = caf::typed_actor<
  // Compares the job's versions; answers the body (JSON or the patch).
  caf::replies_to<atom::ver_diff, trace, diff_job>::with<diff_answer>>::
  extend_with<status_client_actor>;

/// Takes the telemetry registry's sample once a second, for the rates and
/// recent quantiles of /admin/stats.
using stats_actor = caf::typed_actor<
  // Its timer: samples, re-arms.
  caf::reacts_to<atom::sample>>;

} // namespace memoryd

// -- the retention cleanup ----------------------------------------------------

namespace memoryd {

/// One cleanup for the cleanup worker to run.
struct cleanup_job {
  std::string cutoff;        // sessions last updated before it go
  std::string requested_at;  // a run started since then covers this one
  bool dry_run = false;      // count only
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cleanup_job& x) {
  return f(caf::meta::type_name("cleanup_job"), x.cutoff, x.requested_at,
           x.dry_run);
}

/// How a cleanup went: the body of POST /admin/cleanup and the log line.
struct cleanup_report {
  int64_t run_id = 0;           // in cleanup_runs
  bool dry_run = false;
  bool skipped = false;         // another run holds the lock or covered it
  std::string cutoff;
  int64_t deleted_sessions = 0; // a dry run: would be deleted
  int64_t deleted_sites = 0;
  int64_t deleted_keys = 0;     // write keys past IDEMPOTENCY_KEY_HOURS
  int64_t deleted_events = 0;   // feed events past EVENT_RETENTION_HOURS
  std::string started_at;
  int64_t duration_ms = 0;
  std::string message;          // why it was skipped
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cleanup_report& x) {
  return f(caf::meta::type_name("cleanup_report"), x.run_id, x.dry_run,
           x.skipped, x.cutoff, x.deleted_sessions, x.deleted_sites,
           x.deleted_keys, x.deleted_events, x.started_at, x.duration_ms,
           x.message);
}

/// When the last cleanup that deleted succeeded, if one ever did.
struct cleanup_history {
  bool has_last_success = false;
  std::string last_success;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cleanup_history& x) {
  return f(caf::meta::type_name("cleanup_history"), x.has_last_success,
           x.last_success);
}

} // namespace memoryd

namespace memoryd {

/// Whoever drops the cache entries of what a running cleanup deleted.
using cleanup_listener_actor = caf::typed_actor<
  // A batch was committed: its sessions and sites are gone.
  caf::reacts_to<atom::cleaned, storage::expired_batch>>;

/// The cleanup's database side: a detached worker with a connection of its
/// own, which holds the fleet lock through a whole run (the lock lives on
/// the connection) and keeps a run's batches out of the storage pool's
/// queues. Errors are errc::storage.
using cleanup_worker_actor = caf::typed_actor<
  // When the last successful deleting run finished.
  caf::replies_to<atom::last_run>::with<cleanup_history>,
  // Runs one cleanup, telling the listener of each batch as it commits.
  caf::replies_to<atom::cleanup, cleanup_job>::with<cleanup_report>>::
  extend_with<status_client_actor>;

/// Converts the plain version rows of before migration 0006 into code
/// blobs in the background: a detached worker with a connection of its own,
/// one batch per message (sent to itself), until none is left.
using compactor_actor = caf::typed_actor<
  // Converts the next batch, then asks itself for the one after it.
  caf::reacts_to<atom::compact>>::extend_with<status_client_actor>;

/// The scheduler: the retention cleanup daily at CLEANUP_AT (UTC), once at
/// start when the last one is more than a day old, and on request.
using scheduler_actor = caf::typed_actor<
  // Runs a cleanup now (true: a dry run, which counts and deletes
  // nothing); errc::conflict while one runs in this process.
  caf::replies_to<atom::cleanup, trace, bool>::with<cleanup_report>,
  // Its timer: runs the daily cleanup when its time has come, re-arms.
  caf::reacts_to<atom::wake>>::extend_with<cleanup_listener_actor>::
  extend_with<status_client_actor>;

} // namespace memoryd

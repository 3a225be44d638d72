#pragma once

// The payloads of the site actor's and the storage workers' site messages
// (actors/interfaces.hpp declares the messages themselves).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "actors/record_inspection.hpp"

namespace memoryd {

/// GET /api/sessions/{id}/sites: one page, oldest first.
struct site_page_query {
  std::string tenant;
  std::string session_id;
  std::size_t limit = 20;
  bool has_cursor = false;
  std::string after_created_at;
  std::string after_site_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, site_page_query& x) {
  return f(caf::meta::type_name("site_page_query"), x.tenant, x.session_id,
           x.limit, x.has_cursor, x.after_created_at, x.after_site_id);
}

/// GET /api/sessions/sites/{id}/versions: one page, newest first.
struct version_page_query {
  std::string tenant;
  std::string site_id;
  std::size_t limit = 20;
  int64_t before_version = 0;  // 0: from the newest
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version_page_query& x) {
  return f(caf::meta::type_name("version_page_query"), x.tenant, x.site_id,
           x.limit, x.before_version);
}

/// What a write below a site returns: the new rows' numbers or record, and
/// the site's revision after the commit (for fencing the cache); a new
/// site also its view (for writing the cache through).
struct site_write {
  std::vector<storage::version_record> versions;  // ver_add: in request
                                                  // order, without code
  storage::audit_record audit;        // audit_add
  storage::deployment_record deployment;  // deploy_add
  int64_t revision = 0;
  storage::site_view view;            // site_new only
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, site_write& x) {
  return f(caf::meta::type_name("site_write"), x.versions, x.audit,
           x.deployment, x.revision, x.view);
}

/// The versions of one site that a folded write adds, under the key of
/// their requests (a client's Idempotency-Key, or one the daemon made).
struct version_group {
  std::string site_id;
  std::vector<storage::new_version> versions;
  storage::write_key key;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version_group& x) {
  return f(caf::meta::type_name("version_group"), x.site_id, x.versions,
           x.key);
}

/// One group's outcome in a folded write: what it committed, or the
/// refusal (an errc, actors/errors.hpp) that undid it alone.
struct group_outcome {
  site_write write;
  uint8_t refused = 0;  // errc::none: committed
  std::string message;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, group_outcome& x) {
  return f(caf::meta::type_name("group_outcome"), x.write, x.refused,
           x.message);
}

/// What a folded write answers: one outcome per group, in request order.
struct version_fold {
  std::vector<group_outcome> groups;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version_fold& x) {
  return f(caf::meta::type_name("version_fold"), x.groups);
}

/// GET …/versions/{n}/diff: two versions as GET …/versions/{k} renders
/// them (with code), and how to answer.
struct diff_job {
  std::string site_id;
  std::string old_version;   // version m, the diff's "from"
  std::string new_version;   // version n
  int64_t context = 3;       // shared lines around each change
  bool patch_only = false;   // the unified diff as text/x-diff
  std::string if_none_match; // the request's header; "" without one
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, diff_job& x) {
  return f(caf::meta::type_name("diff_job"), x.site_id, x.old_version,
           x.new_version, x.context, x.patch_only, x.if_none_match);
}

/// The answer to a diff_job: its body with a strong ETag, or only the ETag
/// when If-None-Match names it (then nothing was computed).
struct diff_answer {
  bool not_modified = false;
  std::string etag;
  std::string body;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, diff_answer& x) {
  return f(caf::meta::type_name("diff_answer"), x.not_modified, x.etag,
           x.body);
}

} // namespace memoryd

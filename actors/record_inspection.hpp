#pragma once

// How the storage layer's records (and the cache's batched puts) travel in
// messages: their inspect() overloads (CAF 0.17), kept apart from
// interfaces.hpp so that the vocabulary there stays readable. storage/ and
// cache/ themselves know nothing of CAF.

#include <caf/meta/type_name.hpp>

#include "cache/cache_entry.hpp"
#include "storage/archive_records.hpp"
#include "storage/cleanup_records.hpp"
#include "storage/event_records.hpp"
#include "storage/idempotency_repository.hpp"
#include "storage/records.hpp"
#include "storage/site_records.hpp"

namespace memoryd::storage {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, site_record& x) {
  return f(caf::meta::type_name("site_record"), x.site_id, x.session_id,
           x.name, x.has_site_type, x.site_type, x.latest_version, x.revision,
           x.has_forked_from, x.forked_from_site_id, x.forked_from_version,
           x.created_by, x.created_at, x.updated_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version_record& x) {
  return f(caf::meta::type_name("version_record"), x.site_id, x.version,
           x.has_code, x.code, x.code_size, x.code_sha256, x.has_requirements,
           x.requirements_json, x.has_changes, x.changes, x.has_audit_score,
           x.audit_score, x.restored_from, x.agent, x.created_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, new_version& x) {
  return f(caf::meta::type_name("new_version"), x.code, x.code_size,
           x.code_sha256, x.has_requirements, x.requirements_json,
           x.has_changes, x.changes, x.restored_from, x.agent,
           x.created_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, site_fork& x) {
  return f(caf::meta::type_name("site_fork"), x.source_site_id, x.site_id,
           x.session_id, x.up_to_version, x.has_name, x.name, x.agent,
           x.created_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, audit_record& x) {
  return f(caf::meta::type_name("audit_record"), x.audit_id, x.site_id,
           x.version, x.score, x.has_results, x.results_json, x.agent,
           x.created_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, deployment_record& x) {
  return f(caf::meta::type_name("deployment_record"), x.deployment_id,
           x.site_id, x.version, x.status, x.has_url, x.url, x.has_provider,
           x.provider, x.has_details, x.details_json, x.agent,
           x.created_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, site_view& x) {
  return f(caf::meta::type_name("site_view"), x.site, x.latest, x.versions,
           x.versions_truncated, x.audits, x.audits_truncated, x.deployments,
           x.deployments_truncated);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, site_page& x) {
  return f(caf::meta::type_name("site_page"), x.items, x.has_more);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, version_page& x) {
  return f(caf::meta::type_name("version_page"), x.items, x.has_more);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_record& x) {
  return f(caf::meta::type_name("session_record"), x.session_id, x.tenant,
           x.has_user_id, x.user_id, x.state_json, x.preferences_json,
           x.revision, x.created_by, x.updated_by, x.created_at,
           x.updated_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_update& x) {
  return f(caf::meta::type_name("session_update"), x.session_id, x.tenant,
           x.set_user_id, x.has_user_id, x.user_id, x.set_state, x.state_json,
           x.set_preferences, x.preferences_json, x.expected_revision,
           x.agent, x.updated_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_key& x) {
  return f(caf::meta::type_name("write_key"), x.tenant, x.from_client, x.key,
           x.operation, x.request_sha256, x.agent);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_page_query& x) {
  return f(caf::meta::type_name("session_page_query"), x.tenant,
           x.filter_user_id, x.user_id, x.limit, x.has_cursor,
           x.after_created_at, x.after_session_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_page& x) {
  return f(caf::meta::type_name("session_page"), x.items, x.has_more);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, site_archive& x) {
  return f(caf::meta::type_name("site_archive"), x.site, x.versions, x.audits,
           x.deployments);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_archive& x) {
  return f(caf::meta::type_name("session_archive"), x.session, x.has_sites,
           x.sites);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_position& x) {
  return f(caf::meta::type_name("event_position"), x.txid, x.event_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_record& x) {
  return f(caf::meta::type_name("event_record"), x.position, x.tenant,
           x.type, x.session_id, x.site_id, x.version, x.ref_id, x.agent,
           x.created_at);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_page& x) {
  return f(caf::meta::type_name("event_page"), x.items, x.gone, x.horizon,
           x.next);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, expired_batch& x) {
  return f(caf::meta::type_name("expired_batch"), x.session_ids, x.site_ids,
           x.next_from);
}

} // namespace memoryd::storage

namespace memoryd::cache {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, put_request& x) {
  return f(caf::meta::type_name("put_request"), x.key, x.revision, x.value,
           x.ttl_seconds);
}

} // namespace memoryd::cache

#include "actors/version_fold_writer.hpp"

#include <algorithm>
#include <numeric>

#include "storage/site_repository.hpp"
#include "storage/transaction.hpp"

namespace memoryd {

using namespace storage_work;

namespace {

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

/// Adds one site's versions (after checking its tenant) and their events.
site_write add_group(worker_ptr self, soci::session& sql,
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

/// Every group under one savepoint: the whole fold, or nothing and false
/// when a group was refused.
bool add_all_or_none(worker_ptr self, soci::session& sql,
                     const std::vector<version_group>& groups,
                     const std::vector<std::size_t>& order, version_fold& out) {
  storage::savepoint all{sql};
  try {
    for (auto i : order)
      out.groups[i].write = add_group(self, sql, groups[i]);
    all.release();
    return true;
  } catch (const std::exception& e) {
    if (!refusal_of(e))
      throw;
    all.roll_back();
    out.groups.assign(groups.size(), {});
    return false;
  }
}

} // namespace

/// The groups of a folded write, in the open transaction: site rows are
/// locked in site id order, so that folds of several daemons never wait for
/// each other in a cycle. A refused group (its site gone or another
/// tenant's, a conflict) is undone and answered alone while the others
/// commit: refusals are rare, so the groups first run under one savepoint,
/// and only when one is refused again each under its own (two round trips
/// a group). A failure of the database fails them all, as it fails any
/// transaction.
version_fold add_version_groups(worker_ptr self, soci::session& sql,
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
  if (add_all_or_none(self, sql, groups, order, out))
    return out;
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

} // namespace memoryd

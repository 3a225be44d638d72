#pragma once

// How site_repository reads rows: bulk fetches into columns (SOCI wants a
// vector per column, with NULL flags) and the record types built from them.
// Internal to storage/.

#include <cstddef>
#include <string>
#include <vector>

#include <soci/soci.h>

#include "storage/dialect.hpp"
#include "storage/site_records.hpp"

namespace memoryd::storage::site_fetch {

// -- SOCI plumbing -----------------------------------------------------------

// One column of a bulk fetch: its values and their NULL flags. Every column
// has flags, as SOCI throws on a NULL fetched without one.
template <class T>
class column {
public:
  void resize(std::size_t n) {
    values_.resize(n);
    flags_.resize(n);
  }

  void exchange_into(soci::statement& st) {
    st.exchange(soci::into(values_, flags_));
  }

  std::size_t size() const {
    return values_.size();
  }

  T take(std::size_t i) {
    return std::move(values_[i]);
  }

  /// For a nullable column: false when row i is NULL, else sets `value`.
  bool take(std::size_t i, T& value) {
    if (flags_[i] == soci::i_null)
      return false;
    value = std::move(values_[i]);
    return true;
  }

private:
  std::vector<T> values_;
  std::vector<soci::indicator> flags_;
};

// Makes `rows` (a class below) the into-targets of `st` for up to `capacity`
// rows. SOCI shrinks the vectors to the number of rows fetched.
template <class Rows>
void fetch_into(Rows& rows, soci::statement& st, std::size_t capacity) {
  // SOCI 4.0.3 mishandles bulk fetches into vectors of size 1: on SQLite a
  // found row comes back as none, and on both backends no row comes back
  // as one empty row. So the vectors are never that small.
  const auto n = std::max<std::size_t>(capacity, 2);
  rows.for_each_column([&](auto& c) {
    c.resize(n);
    c.exchange_into(st);
  });
}

// The records of the first `limit` rows fetched (of limit + 1 asked for),
// and whether there were more.
template <class Rows>
auto take_rows(Rows& rows, std::size_t limit, bool& has_more) {
  has_more = rows.size() > limit;
  std::vector<decltype(rows.take(0))> items;
  const auto n = std::min(rows.size(), limit);
  items.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    items.push_back(rows.take(i));
  return items;
}

// Every row of the prepared-and-bound statement `st` (into-targets not yet
// exchanged) as records, fetched `batch` rows at a time: for reads with no
// upper bound, such as all the versions of a session being exported.
template <class Rows>
auto fetch_all(Rows& rows, soci::statement& st, const std::string& query,
               std::size_t batch) {
  const auto n = std::max<std::size_t>(batch, 2);  // see fetch_into
  rows.for_each_column([&](auto& c) {
    c.resize(n);
    c.exchange_into(st);
  });
  st.alloc();
  st.prepare(query, soci::details::st_one_time_query);
  st.define_and_bind();
  st.execute(false);
  std::vector<decltype(rows.take(0))> items;
  while (st.fetch()) {
    for (std::size_t i = 0; i < rows.size(); ++i)
      items.push_back(rows.take(i));
    // SOCI shrank the vectors to the rows it fetched: the next fetch takes
    // as many rows as they hold again.
    rows.for_each_column([&](auto& c) { c.resize(n); });
  }
  return items;
}

// -- rows --------------------------------------------------------------------

// Into-targets of select_sites_sql.
class site_rows {
public:
  template <class F>
  void for_each_column(F&& f) {
    f(site_id_);
    f(session_id_);
    f(name_);
    f(site_type_);
    f(latest_version_);
    f(revision_);
    f(forked_from_site_id_);
    f(forked_from_version_);
    f(created_at_);
    f(updated_at_);
  }

  std::size_t size() const {
    return site_id_.size();
  }

  site_record take(std::size_t i) {
    site_record r;
    r.site_id = site_id_.take(i);
    r.session_id = session_id_.take(i);
    r.name = name_.take(i);
    r.has_site_type = site_type_.take(i, r.site_type);
    r.latest_version = latest_version_.take(i);
    r.revision = revision_.take(i);
    r.has_forked_from = forked_from_site_id_.take(i, r.forked_from_site_id);
    long long forked_from_version = 0;
    if (forked_from_version_.take(i, forked_from_version))
      r.forked_from_version = forked_from_version;
    r.created_at = dialect::timestamp_from_db(created_at_.take(i));
    r.updated_at = dialect::timestamp_from_db(updated_at_.take(i));
    return r;
  }

private:
  column<std::string> site_id_;
  column<std::string> session_id_;
  column<std::string> name_;
  column<std::string> site_type_;
  column<long long> latest_version_;
  column<long long> revision_;
  column<std::string> forked_from_site_id_;
  column<long long> forked_from_version_;
  column<std::string> created_at_;
  column<std::string> updated_at_;
};

// Into-targets of select_versions_sql, with or without and_code_sql.
class version_rows {
public:
  explicit version_rows(bool with_code) : with_code_(with_code) {
    // nop
  }

  template <class F>
  void for_each_column(F&& f) {
    f(site_id_);
    f(version_);
    f(code_size_);
    f(code_sha256_);
    f(requirements_);
    f(changes_);
    f(audit_score_);
    f(restored_from_);
    f(created_at_);
    if (with_code_)
      f(code_);
  }

  std::size_t size() const {
    return site_id_.size();
  }

  version_record take(std::size_t i) {
    version_record r;
    r.site_id = site_id_.take(i);
    r.version = version_.take(i);
    r.code_size = code_size_.take(i);
    r.code_sha256 = code_sha256_.take(i);
    r.has_requirements = requirements_.take(i, r.requirements_json);
    r.has_changes = changes_.take(i, r.changes);
    r.has_audit_score = audit_score_.take(i, r.audit_score);
    long long restored_from = 0;
    if (restored_from_.take(i, restored_from))
      r.restored_from = restored_from;
    r.created_at = dialect::timestamp_from_db(created_at_.take(i));
    r.has_code = with_code_ && code_.take(i, r.code);
    return r;
  }

private:
  bool with_code_;
  column<std::string> site_id_;
  column<long long> version_;
  column<long long> code_size_;
  column<std::string> code_sha256_;
  column<std::string> requirements_;
  column<std::string> changes_;
  column<double> audit_score_;
  column<long long> restored_from_;
  column<std::string> created_at_;
  column<std::string> code_;
};

// Into-targets of select_audits_sql.
class audit_rows {
public:
  template <class F>
  void for_each_column(F&& f) {
    f(audit_id_);
    f(site_id_);
    f(version_);
    f(score_);
    f(results_);
    f(created_at_);
  }

  std::size_t size() const {
    return audit_id_.size();
  }

  audit_record take(std::size_t i) {
    audit_record r;
    r.audit_id = audit_id_.take(i);
    r.site_id = site_id_.take(i);
    r.version = version_.take(i);
    r.score = score_.take(i);
    r.has_results = results_.take(i, r.results_json);
    r.created_at = dialect::timestamp_from_db(created_at_.take(i));
    return r;
  }

private:
  column<std::string> audit_id_;
  column<std::string> site_id_;
  column<long long> version_;
  column<double> score_;
  column<std::string> results_;
  column<std::string> created_at_;
};

// Into-targets of select_deployments_sql.
class deployment_rows {
public:
  template <class F>
  void for_each_column(F&& f) {
    f(deployment_id_);
    f(site_id_);
    f(version_);
    f(status_);
    f(url_);
    f(provider_);
    f(details_);
    f(created_at_);
  }

  std::size_t size() const {
    return deployment_id_.size();
  }

  deployment_record take(std::size_t i) {
    deployment_record r;
    r.deployment_id = deployment_id_.take(i);
    r.site_id = site_id_.take(i);
    r.version = version_.take(i);
    r.status = status_.take(i);
    r.has_url = url_.take(i, r.url);
    r.has_provider = provider_.take(i, r.provider);
    r.has_details = details_.take(i, r.details_json);
    r.created_at = dialect::timestamp_from_db(created_at_.take(i));
    return r;
  }

private:
  column<std::string> deployment_id_;
  column<std::string> site_id_;
  column<long long> version_;
  column<std::string> status_;
  column<std::string> url_;
  column<std::string> provider_;
  column<std::string> details_;
  column<std::string> created_at_;
};

} // namespace memoryd::storage::site_fetch

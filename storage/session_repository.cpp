#include "storage/session_repository.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include <soci/soci.h>

#include "storage/dialect.hpp"
#include "storage/errors.hpp"
#include "storage/statement.hpp"
#include "storage/timestamp.hpp"
#include "storage/transaction.hpp"
#include "storage/uuid.hpp"

namespace memoryd::storage {

namespace {

// The API asks for at most 100; far more would be a bug, and memory.
constexpr std::size_t max_page_size = 1000;

// -- SQL ---------------------------------------------------------------------

// A session with its preferences, in the column order session_rows expects.
// A LEFT JOIN so that a session without a preferences row (written by hand)
// still reads, with empty preferences.
constexpr const char* select_sessions_sql = R"sql(
SELECT s.session_id, s.tenant, s.user_id, s.state,
       COALESCE(p.preferences, '{}'), s.revision, s.created_by, s.updated_by,
       s.created_at, s.updated_at
FROM sessions s LEFT JOIN user_preferences p ON p.session_id = s.session_id)sql";

constexpr const char* by_id_sql = " WHERE s.session_id = :session_id";

// Keyset pagination: the cursor is the (created_at, session_id) of the last
// item of the previous page, so a page never repeats or skips a row, also
// when several sessions share a created_at. Each filter shape has its own
// index (see the migration), hence optional clauses rather than
// "(:flag = 0 OR ...)", which SQLite could not serve from an index.
constexpr const char* by_tenant_sql = " WHERE s.tenant = :tenant";
constexpr const char* and_user_id_sql = " AND s.user_id = :user_id";
constexpr const char* and_after_cursor_sql =
  " AND (s.created_at, s.session_id) > (:after_created_at, :after_session_id)";
constexpr const char* page_order_sql =
  " ORDER BY s.created_at, s.session_id LIMIT :limit";

// ON CONFLICT DO NOTHING + RETURNING: a duplicate id returns no row, without
// an error that would abort a PostgreSQL transaction.
constexpr const char* insert_session_sql = R"sql(
INSERT INTO sessions
    (session_id, tenant, user_id, state, revision, created_by, updated_by,
     created_at, updated_at)
VALUES
    (:session_id, :tenant, :user_id, :state, :revision, :created_by,
     :updated_by, :created_at, :updated_at)
ON CONFLICT (session_id) DO NOTHING
RETURNING revision)sql";

constexpr const char* upsert_preferences_sql = R"sql(
INSERT INTO user_preferences (session_id, preferences, updated_at)
VALUES (:session_id, :preferences, :updated_at)
ON CONFLICT (session_id) DO UPDATE
SET preferences = excluded.preferences, updated_at = excluded.updated_at)sql";

// One statement for every combination of fields: a NULL :state keeps the
// state (it is never NULL itself); user_id may be set to NULL, hence its
// flag. A NULL :expected_revision makes the update unconditional. No row
// back means: no such session, or another revision (If-Match).
constexpr const char* update_session_sql = R"sql(
UPDATE sessions
SET user_id = CASE WHEN :set_user_id = 1 THEN :user_id ELSE user_id END,
    state = COALESCE(:state, state),
    revision = revision + 1,
    updated_by = :updated_by,
    updated_at = :updated_at
WHERE session_id = :session_id AND tenant = :tenant
  AND revision = COALESCE(:expected_revision, revision)
RETURNING revision)sql";

constexpr const char* select_revision_sql =
  "SELECT revision FROM sessions WHERE session_id = :session_id"
  " AND tenant = :tenant";

// user_preferences, sites and everything below go by ON DELETE CASCADE.
constexpr const char* lock_session_sql =
  "SELECT revision FROM sessions WHERE session_id = :session_id"
  " AND tenant = :tenant";
constexpr const char* site_ids_of_session_sql =
  "SELECT site_id FROM sites WHERE session_id = :session_id";
constexpr const char* delete_session_sql =
  "DELETE FROM sessions WHERE session_id = :session_id RETURNING revision";

// -- helpers -----------------------------------------------------------------

// Into-targets for up to `capacity` rows of select_sessions_sql. Vectors
// rather than single values so that find() and list() share one mapping;
// SOCI shrinks them to the number of rows fetched.
class session_rows {
public:
  explicit session_rows(std::size_t capacity)
    : ids_(bulk_size(capacity)),
      tenants_(ids_.size()),
      user_ids_(ids_.size()),
      user_id_flags_(ids_.size()),
      states_(ids_.size()),
      preferences_(ids_.size()),
      revisions_(ids_.size()),
      created_by_(ids_.size()),
      created_by_flags_(ids_.size()),
      updated_by_(ids_.size()),
      updated_by_flags_(ids_.size()),
      created_at_(ids_.size()),
      updated_at_(ids_.size()) {
    // nop
  }

  void exchange_into(soci::statement& st) {
    st.exchange(soci::into(ids_));
    st.exchange(soci::into(tenants_));
    st.exchange(soci::into(user_ids_, user_id_flags_));
    st.exchange(soci::into(states_));
    st.exchange(soci::into(preferences_));
    st.exchange(soci::into(revisions_));
    st.exchange(soci::into(created_by_, created_by_flags_));
    st.exchange(soci::into(updated_by_, updated_by_flags_));
    st.exchange(soci::into(created_at_));
    st.exchange(soci::into(updated_at_));
  }

  std::size_t size() const {
    return ids_.size();
  }

  session_record take(std::size_t i) {
    session_record r;
    r.session_id = std::move(ids_[i]);
    r.tenant = std::move(tenants_[i]);
    r.has_user_id = user_id_flags_[i] == soci::i_ok;
    if (r.has_user_id)
      r.user_id = std::move(user_ids_[i]);
    r.state_json = std::move(states_[i]);
    r.preferences_json = std::move(preferences_[i]);
    r.revision = revisions_[i];
    if (created_by_flags_[i] == soci::i_ok)
      r.created_by = std::move(created_by_[i]);
    if (updated_by_flags_[i] == soci::i_ok)
      r.updated_by = std::move(updated_by_[i]);
    r.created_at = dialect::timestamp_from_db(created_at_[i]);
    r.updated_at = dialect::timestamp_from_db(updated_at_[i]);
    return r;
  }

private:
  // SOCI 4.0.3 mishandles bulk fetches into vectors of size 1: on SQLite a
  // found row comes back as none, and on both backends no row comes back as
  // one empty row. So the vectors are never that small.
  static std::size_t bulk_size(std::size_t capacity) {
    return std::max<std::size_t>(capacity, 2);
  }

  std::vector<std::string> ids_;
  std::vector<std::string> tenants_;
  std::vector<std::string> user_ids_;
  std::vector<soci::indicator> user_id_flags_;
  std::vector<std::string> states_;
  std::vector<std::string> preferences_;
  std::vector<long long> revisions_;
  std::vector<std::string> created_by_;
  std::vector<soci::indicator> created_by_flags_;
  std::vector<std::string> updated_by_;
  std::vector<soci::indicator> updated_by_flags_;
  std::vector<std::string> created_at_;
  std::vector<std::string> updated_at_;
};


} // namespace

session_repository::session_repository(soci::session& sql) : sql_(sql) {
  // nop
}

void session_repository::create(const session_record& s) {
  session_record stored = s;
  stored.revision = 1;
  if (stored.created_at.empty())
    stored.created_at = now_timestamp();
  if (stored.updated_at.empty())
    stored.updated_at = stored.created_at;
  write_transaction tx{sql_};
  insert(stored);
  tx.commit();
}

void session_repository::insert(const session_record& s) {
  if (!is_canonical_uuid(s.session_id))
    throw std::invalid_argument("session id \"" + s.session_id
                                + "\" is not a lower-case UUID");
  const auto created_at = dialect::timestamp_to_db(s.created_at, "created_at");
  const auto updated_at = dialect::timestamp_to_db(s.updated_at, "updated_at");
  nullable user_id{s.has_user_id};
  nullable created_by{!s.created_by.empty()};
  nullable updated_by{!s.updated_by.empty()};
  long long revision = 0;
  sql_ << insert_session_sql, soci::use(s.session_id, "session_id"),
    soci::use(s.tenant, "tenant"),
    soci::use(s.user_id, user_id.flag, "user_id"),
    soci::use(s.state_json, "state"), soci::use(s.revision, "revision"),
    soci::use(s.created_by, created_by.flag, "created_by"),
    soci::use(s.updated_by, updated_by.flag, "updated_by"),
    soci::use(created_at, "created_at"), soci::use(updated_at, "updated_at"),
    soci::into(revision);
  if (!sql_.got_data())
    throw conflict("session " + s.session_id + " already exists");
  sql_ << upsert_preferences_sql, soci::use(s.session_id, "session_id"),
    soci::use(s.preferences_json, "preferences"),
    soci::use(updated_at, "updated_at");
}

std::optional<session_record>
session_repository::find(const std::string& session_id) {
  if (!is_canonical_uuid(session_id))
    return std::nullopt;
  session_rows rows{1};
  soci::statement st{sql_};
  rows.exchange_into(st);
  st.exchange(soci::use(session_id, "session_id"));
  run_once(st, std::string{select_sessions_sql} + by_id_sql);
  if (rows.size() == 0)
    return std::nullopt;
  return rows.take(0);
}

session_record session_repository::update(const session_update& u) {
  if (!is_canonical_uuid(u.session_id))
    throw not_found("session " + u.session_id + " does not exist");
  const auto updated_at =
    u.updated_at.empty() ? now_timestamp()
                         : dialect::timestamp_to_db(u.updated_at, "updated_at");
  const int set_user_id = u.set_user_id ? 1 : 0;
  nullable user_id{u.set_user_id && u.has_user_id};
  nullable state{u.set_state};
  nullable expected{u.expected_revision >= 0};
  nullable agent{!u.agent.empty()};

  write_transaction tx{sql_};
  long long revision = 0;
  sql_ << update_session_sql, soci::use(set_user_id, "set_user_id"),
    soci::use(u.user_id, user_id.flag, "user_id"),
    soci::use(u.state_json, state.flag, "state"),
    soci::use(u.agent, agent.flag, "updated_by"),
    soci::use(updated_at, "updated_at"),
    soci::use(u.session_id, "session_id"), soci::use(u.tenant, "tenant"),
    soci::use(u.expected_revision, expected.flag, "expected_revision"),
    soci::into(revision);
  if (!sql_.got_data()) {
    sql_ << select_revision_sql, soci::use(u.session_id, "session_id"),
      soci::use(u.tenant, "tenant"), soci::into(revision);
    if (!sql_.got_data())
      throw not_found("session " + u.session_id + " does not exist");
    precondition_failed e{"session " + u.session_id + " is at revision "
                          + std::to_string(revision) + ", not "
                          + std::to_string(u.expected_revision)};
    e.current_revision = revision;
    throw e;
  }
  if (u.set_preferences)
    sql_ << upsert_preferences_sql, soci::use(u.session_id, "session_id"),
      soci::use(u.preferences_json, "preferences"),
      soci::use(updated_at, "updated_at");
  auto stored = find(u.session_id);
  if (!stored) // cannot happen: we hold the row's write lock
    throw std::logic_error("session " + u.session_id
                           + " vanished inside its own update");
  tx.commit();
  return std::move(*stored);
}

bool session_repository::remove(const std::string& session_id) {
  if (!is_canonical_uuid(session_id))
    return false;
  write_transaction tx{sql_};
  long long revision = 0;
  sql_ << delete_session_sql, soci::use(session_id, "session_id"),
    soci::into(revision);
  const bool removed = sql_.got_data();
  tx.commit();
  return removed;
}

bool session_repository::remove(const std::string& session_id,
                                const std::string& tenant,
                                std::vector<std::string>& deleted_site_ids) {
  deleted_site_ids.clear();
  if (!is_canonical_uuid(session_id))
    return false;
  write_transaction tx{sql_};
  const auto b = backend_of(sql_);
  long long revision = 0;
  sql_ << std::string{lock_session_sql} + std::string{dialect::update_lock_sql(b)},
    soci::use(session_id, "session_id"), soci::use(tenant, "tenant"),
    soci::into(revision);
  if (!sql_.got_data())
    return false;  // rolled back: nothing was written
  // A session has few sites; a rowset needs no upper bound on them.
  soci::rowset<std::string> rows
    = (sql_.prepare << site_ids_of_session_sql, soci::use(session_id, "session_id"));
  for (auto& id : rows)
    deleted_site_ids.push_back(id);
  sql_ << delete_session_sql, soci::use(session_id, "session_id"),
    soci::into(revision);
  tx.commit();
  return true;
}

session_page session_repository::list(const session_page_query& q) {
  if (q.limit < 1 || q.limit > max_page_size)
    throw std::invalid_argument("a page holds 1 to "
                                + std::to_string(max_page_size)
                                + " sessions, not "
                                + std::to_string(q.limit));
  std::string after_created_at;
  if (q.has_cursor) {
    after_created_at =
      dialect::timestamp_to_db(q.after_created_at, "cursor timestamp");
    if (!is_canonical_uuid(q.after_session_id))
      throw std::invalid_argument("cursor session id \"" + q.after_session_id
                                  + "\" is not a lower-case UUID");
  }
  // One row more than asked tells whether another page follows.
  const auto fetch = static_cast<long long>(q.limit) + 1;

  session_rows rows{static_cast<std::size_t>(fetch)};
  soci::statement st{sql_};
  rows.exchange_into(st);
  std::string query = std::string{select_sessions_sql} + by_tenant_sql;
  st.exchange(soci::use(q.tenant, "tenant"));
  if (q.filter_user_id) {
    query += and_user_id_sql;
    st.exchange(soci::use(q.user_id, "user_id"));
  }
  if (q.has_cursor) {
    query += and_after_cursor_sql;
    st.exchange(soci::use(after_created_at, "after_created_at"));
    st.exchange(soci::use(q.after_session_id, "after_session_id"));
  }
  query += page_order_sql;
  st.exchange(soci::use(fetch, "limit"));
  run_once(st, query);

  session_page page;
  page.has_more = rows.size() > q.limit;
  const auto n = page.has_more ? q.limit : rows.size();
  page.items.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    page.items.push_back(rows.take(i));
  return page;
}

} // namespace memoryd::storage

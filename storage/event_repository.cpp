#include "storage/event_repository.hpp"

#include <optional>
#include <stdexcept>

#include <soci/soci.h>

#include "storage/database.hpp"
#include "storage/dialect.hpp"
#include "storage/prepared_statement.hpp"
#include "storage/site_fetch.hpp"
#include "storage/statement.hpp"
#include "storage/timestamp.hpp"
#include "storage/transaction.hpp"

namespace memoryd::storage {

namespace {

constexpr std::size_t max_page_size = 1000;

// -- SQL ---------------------------------------------------------------------

// SQLite: txid takes its default, 0, and event_id is the commit order.
constexpr const char* sqlite_insert_event_sql = R"sql(
INSERT INTO events
    (tenant, type, session_id, site_id, version, ref_id, agent, created_at)
VALUES
    (:tenant, :type, :session_id, :site_id, :version, :ref_id, :agent,
     :created_at))sql";

// An event below a site names the site's session, read in the same
// statement.
constexpr const char* sqlite_insert_site_event_sql = R"sql(
INSERT INTO events
    (tenant, type, session_id, site_id, version, ref_id, agent, created_at)
SELECT :tenant, :type, session_id, site_id, :version, :ref_id, :agent,
       :created_at
FROM sites WHERE site_id = :site_id)sql";

// PostgreSQL: the position's txid is this transaction's id, raised to the
// newest earlier event of the same site (or, for a session's own events,
// of the same session). Writers of one site or session queue on its row
// lock, which each holds here, so the earlier event has committed; but its
// transaction may have taken its id after ours (an Idempotency-Key is
// claimed before the lock is waited for). Raising keeps the feed in the
// order the writes of one site or session happened; it never lowers the
// txid below our own id, which is all the visibility rule needs (see the
// header). Ties go by event_id, taken after the earlier one committed.
constexpr const char* postgresql_key_head_sql = R"sql(
GREATEST(pg_current_xact_id(), COALESCE((SELECT txid FROM events)sql";
constexpr const char* postgresql_key_of_site_sql =
  " WHERE site_id = CAST(:site_id AS uuid)";
constexpr const char* postgresql_key_of_session_sql =
  " WHERE session_id = CAST(:session_id AS uuid) AND site_id IS NULL";
constexpr const char* postgresql_key_tail_sql = R"sql(
  ORDER BY txid DESC LIMIT 1), CAST('0' AS xid8))))sql";

constexpr const char* postgresql_insert_event_sql = R"sql(
INSERT INTO events
    (txid, tenant, type, session_id, site_id, version, ref_id, agent,
     created_at)
VALUES (%key%, :tenant, :type, :session_id, :site_id, :version, :ref_id,
        :agent, :created_at))sql";

// Parameters in a SELECT list need their types on PostgreSQL.
constexpr const char* postgresql_insert_site_event_sql = R"sql(
INSERT INTO events
    (txid, tenant, type, session_id, site_id, version, ref_id, agent,
     created_at)
SELECT %key%, CAST(:tenant AS text), CAST(:type AS text), session_id,
       site_id, CAST(:version AS bigint), CAST(:ref_id AS uuid),
       CAST(:agent AS text), CAST(:created_at AS timestamptz)
FROM sites WHERE site_id = :site_id)sql";

/// `sql` with its %key% replaced by the txid expression for events of the
/// site (else the session).
std::string with_key(std::string sql, bool of_site) {
  const std::string key = std::string{postgresql_key_head_sql}
                          + (of_site ? postgresql_key_of_site_sql
                                     : postgresql_key_of_session_sql)
                          + postgresql_key_tail_sql;
  sql.replace(sql.find("%key%"), 5, key);
  return sql;
}

/// The three ways an event is appended: a session's own, one below a site
/// whose session the writer knows, one whose session is read from the site.
enum class insert_event { of_session, of_site, site_looked_up };

const prepared_sql& insert_event_sql(bool postgresql, insert_event kind) {
  static const prepared_sql postgresql_sql[] = {
    {"memoryd_event_of_session",
     with_key(postgresql_insert_event_sql, false)},
    {"memoryd_event_of_site", with_key(postgresql_insert_event_sql, true)},
    {"memoryd_event_site_looked_up",
     with_key(postgresql_insert_site_event_sql, true)}};
  static const prepared_sql sqlite_sql[] = {
    {"memoryd_event_of_session", sqlite_insert_event_sql},
    {"memoryd_event_of_site", sqlite_insert_event_sql},
    {"memoryd_event_site_looked_up", sqlite_insert_site_event_sql}};
  return (postgresql ? postgresql_sql : sqlite_sql)[static_cast<int>(kind)];
}

// The text of txid is named apart: an ORDER BY txid would otherwise sort by
// that output column, as text ("999" after "1000").
constexpr const char* select_events_sql = R"sql(
SELECT CAST(txid AS TEXT) AS txid_text, event_id, type, session_id,
       site_id, version, ref_id, agent, created_at
FROM events WHERE tenant = :tenant)sql";

// Only events of transactions below every running one: see the header.
constexpr const char* postgresql_visible_sql =
  " AND txid < pg_snapshot_xmin(pg_current_snapshot())";

constexpr const char* postgresql_after_sql =
  " AND (txid, event_id) > (CAST(:txid AS xid8), :event_id)";
constexpr const char* sqlite_after_sql =
  " AND (txid, event_id) > (CAST(:txid AS INTEGER), :event_id)";

constexpr const char* order_sql = " ORDER BY txid, event_id LIMIT :limit";

constexpr const char* latest_sql = R"sql(
SELECT CAST(txid AS TEXT) AS txid_text, event_id FROM events WHERE 1 = 1)sql";
constexpr const char* latest_order_sql =
  " ORDER BY txid DESC, event_id DESC LIMIT 1";

constexpr const char* select_horizon_sql =
  "SELECT CAST(txid AS TEXT) AS txid_text, event_id FROM event_horizon"
  " WHERE horizon_id = 1";

// The newest of the oldest `limit` events before the cutoff: the batch
// ends there. Only ended transactions (visible_sql), so that the horizon
// never passes an event still to commit.
constexpr const char* batch_end_sql = R"sql(
SELECT CAST(txid AS TEXT) AS txid_text, event_id FROM (
  SELECT txid, event_id FROM events WHERE created_at < :cutoff)sql";
constexpr const char* batch_end_order_sql = R"sql(
  ORDER BY txid, event_id LIMIT :limit) AS batch
ORDER BY txid DESC, event_id DESC LIMIT 1)sql";

constexpr const char* postgresql_delete_sql = R"sql(
DELETE FROM events
WHERE (txid, event_id) <= (CAST(:txid AS xid8), :event_id))sql";
constexpr const char* sqlite_delete_sql = R"sql(
DELETE FROM events
WHERE (txid, event_id) <= (CAST(:txid AS INTEGER), :event_id))sql";

constexpr const char* postgresql_move_horizon_sql = R"sql(
UPDATE event_horizon SET txid = CAST(:txid AS xid8), event_id = :event_id
WHERE horizon_id = 1
  AND (txid, event_id) < (CAST(:txid AS xid8), :event_id))sql";
constexpr const char* sqlite_move_horizon_sql = R"sql(
UPDATE event_horizon SET txid = CAST(:txid AS INTEGER), event_id = :event_id
WHERE horizon_id = 1
  AND (txid, event_id) < (CAST(:txid AS INTEGER), :event_id))sql";

bool is_postgresql(soci::session& sql) {
  return backend_of(sql) == backend::postgresql;
}

const char* visible_sql(soci::session& sql) {
  return is_postgresql(sql) ? postgresql_visible_sql : "";
}

uint64_t txid_from_db(const std::string& text) {
  std::size_t used = 0;
  auto value = std::stoull(text, &used);
  if (used != text.size())
    throw std::runtime_error("events: txid \"" + text + "\" is no number");
  return value;
}

// Into-targets of select_events_sql.
class event_rows {
public:
  template <class F>
  void for_each_column(F&& f) {
    f(txid_);
    f(event_id_);
    f(type_);
    f(session_id_);
    f(site_id_);
    f(version_);
    f(ref_id_);
    f(agent_);
    f(created_at_);
  }

  std::size_t size() const {
    return txid_.size();
  }

  event_record take(std::size_t i) {
    event_record r;
    r.position.txid = txid_from_db(txid_.take(i));
    r.position.event_id = event_id_.take(i);
    r.type = type_.take(i);
    r.session_id = session_id_.take(i);
    site_id_.take(i, r.site_id);
    long long version = 0;
    if (version_.take(i, version))
      r.version = version;
    ref_id_.take(i, r.ref_id);
    agent_.take(i, r.agent);
    r.created_at = dialect::timestamp_from_db(created_at_.take(i));
    return r;
  }

private:
  site_fetch::column<std::string> txid_;
  site_fetch::column<long long> event_id_;
  site_fetch::column<std::string> type_;
  site_fetch::column<std::string> session_id_;
  site_fetch::column<std::string> site_id_;
  site_fetch::column<long long> version_;
  site_fetch::column<std::string> ref_id_;
  site_fetch::column<std::string> agent_;
  site_fetch::column<std::string> created_at_;
};

/// One (txid, event_id) row of `query` with `cutoff`/`limit` bound when
/// given, or nullopt.
std::optional<event_position> read_position(soci::session& sql,
                                            const std::string& query) {
  std::string txid;
  long long event_id = 0;
  sql << query, soci::into(txid), soci::into(event_id);
  if (!sql.got_data())
    return std::nullopt;
  return event_position{txid_from_db(txid), event_id};
}

} // namespace

event_repository::event_repository(soci::session& sql) : sql_(sql) {
  // nop
}

void event_repository::append(const event_record& e) {
  const auto now = dialect::timestamp_to_db(now_timestamp(), "created_at");
  statement_params params;
  params.text("tenant", e.tenant)
    .text("type", e.type)
    .text("session_id", e.session_id)
    .text("site_id", e.site_id, !e.site_id.empty())
    .integer("version", e.version, e.version > 0)
    .text("ref_id", e.ref_id, !e.ref_id.empty())
    .text("agent", e.agent, !e.agent.empty())
    .text("created_at", now);
  const auto kind = e.session_id.empty() ? insert_event::site_looked_up
                    : e.site_id.empty()  ? insert_event::of_session
                                         : insert_event::of_site;
  run_prepared(sql_, insert_event_sql(is_postgresql(sql_), kind), params);
}

event_page event_repository::after(const std::string& tenant,
                                   const event_position& after,
                                   bool from_start, std::size_t limit) {
  if (limit < 1 || limit > max_page_size)
    throw std::invalid_argument("a page holds 1 to "
                                + std::to_string(max_page_size) + " events");
  read_snapshot snapshot{sql_};
  event_page page;
  page.horizon = horizon();
  auto start = after;
  if (after < page.horizon) {
    if (!from_start) {
      page.gone = true;
      return page;
    }
    start = page.horizon;
  }
  const auto txid = std::to_string(start.txid);
  const long long event_id = start.event_id;
  const long long fetch = static_cast<long long>(limit);
  event_rows rows;
  soci::statement st{sql_};
  site_fetch::fetch_into(rows, st, limit);
  st.exchange(soci::use(tenant, "tenant"));
  st.exchange(soci::use(txid, "txid"));
  st.exchange(soci::use(event_id, "event_id"));
  st.exchange(soci::use(fetch, "limit"));
  run_once(st, std::string{select_events_sql}
                 + (is_postgresql(sql_) ? postgresql_after_sql
                                        : sqlite_after_sql)
                 + visible_sql(sql_) + order_sql);
  bool more = false;
  page.items = site_fetch::take_rows(rows, limit, more);
  for (auto& e : page.items)
    e.tenant = tenant;
  page.next = page.items.empty() ? start : page.items.back().position;
  return page;
}

event_position event_repository::latest() {
  auto found = read_position(
    sql_, std::string{latest_sql} + visible_sql(sql_) + latest_order_sql);
  return found ? *found : event_position{};
}

event_position event_repository::horizon() {
  auto found = read_position(sql_, select_horizon_sql);
  if (!found)
    throw std::runtime_error("event_horizon has no row (migration 7)");
  return *found;
}

std::size_t event_repository::prune(const std::string& cutoff,
                                    std::size_t limit) {
  const auto at = dialect::timestamp_to_db(cutoff, "cutoff");
  const long long n = static_cast<long long>(limit);
  write_transaction tx{sql_};
  std::string txid;
  long long event_id = 0;
  sql_ << std::string{batch_end_sql} + visible_sql(sql_) + batch_end_order_sql,
    soci::use(at, "cutoff"), soci::use(n, "limit"), soci::into(txid),
    soci::into(event_id);
  if (!sql_.got_data())
    return 0;
  const bool pg = is_postgresql(sql_);
  soci::statement del = (sql_.prepare << (pg ? postgresql_delete_sql
                                              : sqlite_delete_sql),
                         soci::use(txid, "txid"),
                         soci::use(event_id, "event_id"));
  del.execute(true);
  const auto deleted = static_cast<std::size_t>(del.get_affected_rows());
  sql_ << (pg ? postgresql_move_horizon_sql : sqlite_move_horizon_sql),
    soci::use(txid, "txid"), soci::use(event_id, "event_id");
  tx.commit();
  return deleted;
}

} // namespace memoryd::storage

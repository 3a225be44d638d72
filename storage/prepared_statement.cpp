#include "storage/prepared_statement.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include <libpq-fe.h>
#include <soci/soci.h>

#include "storage/database.hpp"
#include "storage/dialect.hpp"

namespace memoryd::storage {

namespace {

/// What each connection has prepared. A connection is its PGconn and its
/// server process: a reconnect that reuses the address has another one.
struct connection_statements {
  int backend_pid = 0;
  std::unordered_set<std::string> names;
};

/// Statements are few and fixed; connections are the pool's, plus the new
/// ones of reconnects, whose old entries are dropped when there are many.
constexpr std::size_t max_remembered_connections = 1024;

struct registry {
  std::mutex mutex;
  std::unordered_map<const PGconn*, connection_statements> connections;
};

registry& the_registry() {
  static registry r;
  return r;
}

bool is_prepared(const PGconn* conn, const std::string& name) {
  auto& r = the_registry();
  const int pid = PQbackendPID(conn);
  std::lock_guard lock{r.mutex};
  auto it = r.connections.find(conn);
  if (it == r.connections.end())
    return false;
  if (it->second.backend_pid != pid) {
    r.connections.erase(it);  // another connection at the same address
    return false;
  }
  return it->second.names.contains(name);
}

void remember_prepared(const PGconn* conn, const std::string& name) {
  auto& r = the_registry();
  const int pid = PQbackendPID(conn);
  std::lock_guard lock{r.mutex};
  if (!r.connections.contains(conn)
      && r.connections.size() >= max_remembered_connections)
    r.connections.clear();  // live ones learn again (42P05, below)
  auto& known = r.connections[conn];
  known.backend_pid = pid;
  known.names.insert(name);
}

void forget_connection(const PGconn* conn) {
  auto& r = the_registry();
  std::lock_guard lock{r.mutex};
  r.connections.erase(conn);
}

std::string sqlstate_of(const PGresult* result) {
  const char* state = result != nullptr
                        ? PQresultErrorField(result, PG_DIAG_SQLSTATE)
                        : nullptr;
  return state != nullptr ? state : "";
}

const statement_params::param& param_named(const statement_params& params,
                                           const std::string& name,
                                           const prepared_sql& statement) {
  const auto& all = params.all();
  auto it = std::find_if(all.begin(), all.end(),
                         [&](const auto& p) { return p.name == name; });
  if (it == all.end())
    throw std::logic_error("statement " + statement.name
                           + " has no value for :" + name);
  return *it;
}

void prepare(PGconn* conn, const prepared_sql& statement) {
  PGresult* result = PQprepare(
    conn, statement.name.c_str(), statement.numbered_text.c_str(),
    static_cast<int>(statement.parameter_names.size()), nullptr);
  if (dialect::succeeded(result)) {
    PQclear(result);
  } else if (sqlstate_of(result) == "42P05"
             && PQtransactionStatus(conn) == PQTRANS_IDLE) {
    PQclear(result);  // prepared before we forgot it; nothing is aborted
  } else {
    if (sqlstate_of(result) == "42P05")
      remember_prepared(conn, statement.name);  // the retry executes it
    dialect::throw_postgresql_error(conn, result,
                                    "preparing " + statement.name + ": ");
  }
  remember_prepared(conn, statement.name);
}

bool run_postgresql(soci::session& sql, const prepared_sql& statement,
                    const statement_params& params,
                    std::span<long long> into) {
  std::vector<const char*> values;
  values.reserve(statement.parameter_names.size());
  for (const auto& name : statement.parameter_names) {
    const auto& p = param_named(params, name, statement);
    values.push_back(p.present ? p.text.c_str() : nullptr);
  }
  PGconn* conn = dialect::postgresql_handle(sql);
  if (!is_prepared(conn, statement.name))
    prepare(conn, statement);
  PGresult* result = PQexecPrepared(conn, statement.name.c_str(),
                                    static_cast<int>(values.size()),
                                    values.data(), nullptr, nullptr, 0);
  if (!dialect::succeeded(result)) {
    if (sqlstate_of(result) == "26000")
      forget_connection(conn);  // the server lost them: prepare anew
    dialect::throw_postgresql_error(conn, result, "");
  }
  const bool row = PQntuples(result) > 0;
  if (row) {
    const auto columns = std::min<std::size_t>(into.size(),
                                               PQnfields(result));
    for (std::size_t i = 0; i < columns; ++i)
      if (!PQgetisnull(result, 0, static_cast<int>(i)))
        into[i] = std::strtoll(PQgetvalue(result, 0, static_cast<int>(i)),
                               nullptr, 10);
  }
  PQclear(result);
  return row;
}

bool run_sqlite(soci::session& sql, const prepared_sql& statement,
                const statement_params& params, std::span<long long> into) {
  const auto& names = statement.parameter_names;
  soci::statement st{sql};
  // SOCI binds by name; the indicators must outlive the execution.
  std::vector<soci::indicator> flags(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto& p = param_named(params, names[i], statement);
    flags[i] = p.present ? soci::i_ok : soci::i_null;
    if (p.is_integer)
      st.exchange(soci::use(p.integer, flags[i], p.name));
    else
      st.exchange(soci::use(p.text, flags[i], p.name));
  }
  std::vector<soci::indicator> into_flags(into.size());
  for (std::size_t i = 0; i < into.size(); ++i)
    st.exchange(soci::into(into[i], into_flags[i]));
  st.alloc();
  st.prepare(statement.text, soci::details::st_one_time_query);
  st.define_and_bind();
  return st.execute(true);
}

bool starts_name(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}

bool in_name(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

} // namespace

prepared_sql::prepared_sql(std::string name, std::string text)
  : name{std::move(name)}, text{std::move(text)} {
  numbered_text = detail::numbered_parameters(this->text, parameter_names);
}

statement_params& statement_params::text(std::string name, std::string value,
                                         bool present) {
  params_.push_back({std::move(name), std::move(value), 0, false, present});
  return *this;
}

statement_params& statement_params::integer(std::string name, long long value,
                                            bool present) {
  params_.push_back(
    {std::move(name), std::to_string(value), value, true, present});
  return *this;
}

bool run_prepared(soci::session& sql, const prepared_sql& statement,
                  const statement_params& params, std::span<long long> into) {
  return backend_of(sql) == backend::postgresql
           ? run_postgresql(sql, statement, params, into)
           : run_sqlite(sql, statement, params, into);
}

namespace detail {

std::string numbered_parameters(std::string_view text,
                                std::vector<std::string>& names) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    if (c == '\'' || c == '"') {  // copied to its closing quote ('' too)
      const auto end = text.find(c, i + 1);
      const auto stop = end == std::string_view::npos ? text.size() : end + 1;
      out.append(text.substr(i, stop - i));
      i = stop;
    } else if (c == ':' && i + 1 < text.size() && text[i + 1] == ':') {
      out.append("::");
      i += 2;
    } else if (c == ':' && i + 1 < text.size() && starts_name(text[i + 1])) {
      auto end = i + 1;
      while (end < text.size() && in_name(text[end]))
        ++end;
      std::string name{text.substr(i + 1, end - i - 1)};
      auto known = std::find(names.begin(), names.end(), name);
      if (known == names.end())
        known = names.insert(names.end(), std::move(name));
      out += '$' + std::to_string(known - names.begin() + 1);
      i = end;
    } else {
      out += c;
      ++i;
    }
  }
  return out;
}

} // namespace detail

} // namespace memoryd::storage

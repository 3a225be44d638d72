#include "storage/database.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <system_error>

#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include "storage/dialect.hpp"

namespace memoryd::storage {

namespace {

// How long a SQLite writer waits for another one before SQLITE_BUSY.
constexpr int sqlite_busy_timeout_seconds = 5;

// Shown in pg_stat_activity, unless the URL names the application itself.
constexpr std::string_view postgresql_application_name =
  "application_name=memoryd";

std::string lower(std::string_view s) {
  std::string out{s};
  std::ranges::transform(out, out.begin(), [](unsigned char c) {
    return static_cast<char>(std::tolower(c));
  });
  return out;
}

// -- SQLite ------------------------------------------------------------------

// SOCI splits its connect string on spaces and strips double quotes around a
// value, so the path is always quoted and may not contain a quote itself.
std::string sqlite_connect_string(const std::string& path,
                                  long long busy_timeout_seconds
                                  = sqlite_busy_timeout_seconds) {
  return "db=\"" + path + "\" timeout=" + std::to_string(busy_timeout_seconds);
}

// The inverse of sqlite_connect_string(); a bare path is taken as it is.
std::filesystem::path sqlite_path(const std::string& connect_string) {
  constexpr std::string_view prefix = "db=\"";
  if (!connect_string.starts_with(prefix))
    return connect_string;
  const auto end = connect_string.find('"', prefix.size());
  return connect_string.substr(prefix.size(), end - prefix.size());
}

database_url parse_sqlite_url(std::string_view url, std::string_view rest) {
  // sqlite:///abs/path.db -> "/abs/path.db"; sqlite://rel.db -> "rel.db"
  std::string path{rest};
  if (path.empty())
    throw std::invalid_argument("database URL \"" + std::string{url}
                                + "\" names no file: expected "
                                  "sqlite:///absolute/path.db or "
                                  "sqlite://relative/path.db");
  if (path.find('?') != std::string::npos)
    throw std::invalid_argument("database URL \"" + std::string{url}
                                + "\": SQLite URLs take no query parameters");
  if (path.find('"') != std::string::npos)
    throw std::invalid_argument("database URL \"" + std::string{url}
                                + "\": the path may not contain '\"'");
  if (path.back() == '/')
    throw std::invalid_argument("database URL \"" + std::string{url}
                                + "\" names a directory, not a file");
  return {backend::sqlite, sqlite_connect_string(path), std::string{url}};
}

// -- PostgreSQL --------------------------------------------------------------

// Replaces the password of "scheme://user:password@host..." and any
// "password=" query parameter with "***".
std::string redact_postgresql_url(std::string_view url) {
  std::string out{url};
  const auto authority = out.find("://") + 3;
  const auto authority_end = out.find_first_of("/?", authority);
  const auto at = out.rfind('@', authority_end);
  if (at != std::string::npos && at >= authority) {
    const auto colon = out.find(':', authority);
    if (colon != std::string::npos && colon < at)
      out.replace(colon + 1, at - colon - 1, "***");
  }
  for (auto pos = out.find('?'); pos != std::string::npos;
       pos = out.find('&', pos + 1)) {
    if (out.compare(pos + 1, 9, "password=") != 0)
      continue;
    const auto value = pos + 10;
    const auto value_end = std::min(out.find('&', value), out.size());
    out.replace(value, value_end - value, "***");
  }
  return out;
}

database_url parse_postgresql_url(std::string_view url) {
  std::string text{url};
  const auto redacted = redact_postgresql_url(url);
  // SOCI 4.0.3 re-tokenizes the connect string on spaces and '=' (a URI
  // without any '=' reaches libpq with "=" appended), so spaces must be
  // percent-encoded and the URI always carries a query parameter.
  if (text.find_first_of(" \t\r\n") != std::string::npos)
    throw std::invalid_argument("database URL \"" + redacted
                                + "\" contains white space: percent-encode "
                                  "it (%20)");
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(text.c_str(), &error);
  if (options == nullptr) {
    std::string why = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    while (!why.empty() && std::isspace(static_cast<unsigned char>(why.back())))
      why.pop_back();
    throw std::invalid_argument("database URL \"" + redacted
                                + "\" is not a valid PostgreSQL URL: " + why);
  }
  PQconninfoFree(options);
  if (text.find("application_name=") == std::string::npos) {
    text += text.find('?') == std::string::npos ? '?' : '&';
    text += postgresql_application_name;
  }
  return {backend::postgresql, std::move(text), redacted};
}

// A first start on a fresh machine finds no directory for the file yet.
void create_parent_directory(const std::filesystem::path& file) {
  const auto parent = file.parent_path();
  if (parent.empty())
    return;
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec)
    throw soci::soci_error("cannot create the directory " + parent.string()
                           + " of the SQLite database: " + ec.message());
}

} // namespace

std::string_view to_string(backend b) {
  return b == backend::sqlite ? "sqlite" : "postgresql";
}

database_url parse_database_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0)
    throw std::invalid_argument("database URL has no scheme: expected "
                                "sqlite://PATH or postgresql://...");
  const auto scheme = lower(url.substr(0, scheme_end));
  if (scheme == "sqlite")
    return parse_sqlite_url(url, url.substr(scheme_end + 3));
  if (scheme == "postgresql" || scheme == "postgres")
    return parse_postgresql_url(url);
  // The rest of the URL may hold a password: name only the scheme.
  throw std::invalid_argument("database URL scheme \"" + scheme
                              + "\" is not supported: expected sqlite, "
                                "postgresql or postgres");
}

database_url with_statement_limits(database_url url,
                                   std::chrono::milliseconds statement_timeout,
                                   std::chrono::milliseconds lock_timeout) {
  if (url.kind == backend::sqlite) {
    if (lock_timeout.count() > 0) {
      const auto seconds
        = std::max<long long>(1, (lock_timeout.count() + 999) / 1000);
      url.connect_string
        = sqlite_connect_string(sqlite_path(url.connect_string), seconds);
    }
    return url;
  }
  if (url.connect_string.find("options=") != std::string::npos)
    return url;  // the operator's own options win
  std::string options;
  auto add = [&](std::string_view name, std::chrono::milliseconds value) {
    if (value.count() <= 0)
      return;
    // URI-encoded "-c name=value", space separated.
    options += options.empty() ? "" : "%20";
    options += "-c%20" + std::string{name} + "%3D" + std::to_string(value.count());
  };
  add("statement_timeout", statement_timeout);
  add("lock_timeout", lock_timeout);
  if (!options.empty()) {
    url.connect_string += url.connect_string.find('?') == std::string::npos ? '?' : '&';
    url.connect_string += "options=" + options;
  }
  return url;
}

std::unique_ptr<soci::session> open_database(const database_url& url) {
  std::unique_ptr<soci::session> sql;
  if (url.kind == backend::sqlite) {
    create_parent_directory(sqlite_path(url.connect_string));
    sql = std::make_unique<soci::session>(*soci::factory_sqlite3(),
                                          url.connect_string);
  } else {
    sql = std::make_unique<soci::session>(*soci::factory_postgresql(),
                                          url.connect_string);
  }
  dialect::apply_session_settings(*sql);
  return sql;
}

backend backend_of(soci::session& sql) {
  const auto name = sql.get_backend_name();
  if (name == "sqlite3")
    return backend::sqlite;
  if (name == "postgresql")
    return backend::postgresql;
  throw std::logic_error("memoryd does not support the SOCI backend \"" + name
                         + "\"");
}

} // namespace memoryd::storage

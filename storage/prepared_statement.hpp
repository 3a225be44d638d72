#pragma once

// Statements PostgreSQL parses and plans once per connection, as pgbench's
// -M prepared runs them: for the statements every write runs, parsing and
// planning cost PostgreSQL more than executing them (a version's event
// insert: 0.35 ms of parse and bind against 0.09 ms of execution). On
// SQLite the same call runs through SOCI, so each statement has one call
// site for both backends.
//
// On PostgreSQL a statement is prepared (libpq PQprepare) the first time a
// connection runs it, under its name, and executed by name afterwards
// (PQexecPrepared); parameters go as text, as SOCI sends them, and errors
// come out as SOCI's, with their SQLSTATE. A connection that lost its
// statements (a pooler's DISCARD ALL, a reconnect at the same address) is
// noticed: 26000 is transient and makes the connection prepare anew.

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace soci {
class session;
}

namespace memoryd::storage {

/// A statement with :name parameters, and the name it is prepared under.
/// One name, one text: the name is what a connection remembers. Built once
/// (a static), so the numbering for PostgreSQL is not redone per call.
struct prepared_sql {
  prepared_sql(std::string name, std::string text);

  std::string name;
  std::string text;                          // with :name parameters
  std::string numbered_text;                 // with $1, $2, ...
  std::vector<std::string> parameter_names;  // in $n order
};

/// The values of a statement's parameters, by name, each as text or
/// integer, or NULL when not `present`.
class statement_params {
public:
  statement_params& text(std::string name, std::string value,
                         bool present = true);
  statement_params& integer(std::string name, long long value,
                            bool present = true);

  struct param {
    std::string name;
    std::string text;  // the integer's decimal digits for an integer
    long long integer = 0;
    bool is_integer = false;
    bool present = true;
  };
  const std::vector<param>& all() const {
    return params_;
  }

private:
  std::vector<param> params_;
};

/// Runs `statement` with `params` (every :name of its text must be among
/// them). Returns whether it returned a row; `into` receives that row's
/// first columns as integers (the statements here return numbers).
bool run_prepared(soci::session& sql, const prepared_sql& statement,
                  const statement_params& params,
                  std::span<long long> into = {});

namespace detail {

/// `text` with its :name parameters as $1, $2, ... in the order of their
/// first appearance (a name used twice keeps its number), and those names
/// in that order. Quoted text and :: casts are left alone.
std::string numbered_parameters(std::string_view text,
                                std::vector<std::string>& names);

} // namespace detail

} // namespace memoryd::storage

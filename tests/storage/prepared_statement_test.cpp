#include <stdexcept>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <soci/soci.h>
#include <soci/postgresql/soci-postgresql.h>

#include "storage/dialect.hpp"
#include "storage/prepared_statement.hpp"
#include "tests/storage/fixture.hpp"

using namespace memoryd::storage;
using namespace memoryd::storage::test;

namespace {

// A scratch table of its own: what the statements below write is theirs.
void create_notes(soci::session& sql) {
  sql << "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NULL,"
         " size INTEGER NOT NULL)";
}

const prepared_sql insert_note{
  "test_insert_note",
  "INSERT INTO notes (id, body, size) VALUES (:id, :body, :size)"
  " ON CONFLICT (id) DO NOTHING RETURNING id, size"};

const prepared_sql insert_note_twice_named{
  "test_insert_note_strict",
  "INSERT INTO notes (id, body, size) VALUES (:id, :body, :size)"};

statement_params note(long long id, const std::string& body, bool has_body = true) {
  statement_params p;
  p.integer("id", id).text("body", body, has_body)
    .integer("size", static_cast<long long>(body.size()));
  return p;
}

long long prepared_count(soci::session& sql, const std::string& name) {
  long long n = 0;
  sql << "SELECT count(*) FROM pg_prepared_statements WHERE name = :name",
    soci::use(name, "name"), soci::into(n);
  return n;
}

} // namespace

BOOST_AUTO_TEST_SUITE(prepared_statements)

BOOST_AUTO_TEST_CASE(named_parameters_are_numbered_in_order_of_first_use) {
  std::vector<std::string> names;
  const auto text = detail::numbered_parameters(
    "SELECT CAST(:a AS uuid), ':not_a', \"x:y\", :b_2::text, :a, f(:c)",
    names);
  BOOST_TEST(text
             == "SELECT CAST($1 AS uuid), ':not_a', \"x:y\", $2::text, $1, f($3)");
  BOOST_TEST(names == (std::vector<std::string>{"a", "b_2", "c"}),
             boost::test_tools::per_element());
}

STORAGE_TEST_CASE(a_statement_writes_returns_and_binds_null) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  create_notes(sql);
  long long out[2] = {0, 0};
  BOOST_TEST(run_prepared(sql, insert_note, note(1, "hello"), out));
  BOOST_TEST(out[0] == 1);
  BOOST_TEST(out[1] == 5);
  // The same key again: DO NOTHING, no row returned; `out` untouched.
  out[0] = out[1] = -1;
  BOOST_TEST(!run_prepared(sql, insert_note, note(1, "again"), out));
  BOOST_TEST(out[0] == -1);
  BOOST_TEST(run_prepared(sql, insert_note, note(2, "", false)));

  soci::indicator ind = soci::i_ok;
  std::string body;
  sql << "SELECT body FROM notes WHERE id = 2", soci::into(body, ind);
  BOOST_TEST(ind == soci::i_null);
  sql << "SELECT body FROM notes WHERE id = 1", soci::into(body, ind);
  BOOST_TEST(body == "hello");
}

STORAGE_TEST_CASE(a_missing_value_is_refused_before_anything_runs) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  create_notes(sql);
  BOOST_CHECK_THROW(run_prepared(sql, insert_note,
                                 statement_params{}.integer("id", 3)),
                    std::logic_error);
  long long n = -1;
  sql << "SELECT count(*) FROM notes", soci::into(n);
  BOOST_TEST(n == 0);
}

STORAGE_TEST_CASE(errors_keep_their_class) {
  auto db = fresh_database(backend_name);
  auto& sql = *db.sql;
  create_notes(sql);
  run_prepared(sql, insert_note_twice_named, note(1, "a"));
  try {
    run_prepared(sql, insert_note_twice_named, note(1, "b"));
    BOOST_FAIL("a duplicate key was accepted");
  } catch (const soci::soci_error& e) {
    BOOST_TEST((dialect::classify(sql, e)
                == dialect::failure::constraint_violation));
  }
  // The connection goes on.
  BOOST_TEST(!run_prepared(sql, insert_note_twice_named, note(2, "c")));
}

// PostgreSQL plans it once per connection: one server-side statement
// however often it runs, and another connection prepares its own.
BOOST_AUTO_TEST_CASE(postgresql_prepares_once_per_connection) {
  auto db = fresh_database("postgresql");
  auto& sql = *db.sql;
  create_notes(sql);
  for (long long id = 1; id <= 3; ++id)
    run_prepared(sql, insert_note, note(id, "x"));
  BOOST_TEST(prepared_count(sql, insert_note.name) == 1);

  auto other = db.connect();
  BOOST_TEST(prepared_count(*other, insert_note.name) == 0);
  BOOST_TEST(run_prepared(*other, insert_note, note(4, "y")));
  BOOST_TEST(prepared_count(*other, insert_note.name) == 1);
}

// A connection that lost its statements (a pooler's DISCARD ALL, say)
// fails once with a transient error, which the retries repeat, and then
// prepares anew; so does a reconnected session.
BOOST_AUTO_TEST_CASE(postgresql_prepares_anew_what_the_server_lost) {
  auto db = fresh_database("postgresql");
  auto& sql = *db.sql;
  create_notes(sql);
  run_prepared(sql, insert_note, note(1, "x"));
  sql << "DEALLOCATE ALL";
  try {
    run_prepared(sql, insert_note, note(2, "x"));
    BOOST_FAIL("a deallocated statement ran");
  } catch (const soci::soci_error& e) {
    BOOST_TEST((dialect::classify(sql, e) == dialect::failure::transient));
  }
  BOOST_TEST(run_prepared(sql, insert_note, note(2, "x")));
  BOOST_TEST(prepared_count(sql, insert_note.name) == 1);

  sql.reconnect();
  BOOST_TEST(run_prepared(sql, insert_note, note(3, "x")));
  BOOST_TEST(prepared_count(sql, insert_note.name) == 1);
}

BOOST_AUTO_TEST_SUITE_END()

#pragma once

// Small SQL questions tests ask a database directly.

#include <string>
#include <string_view>

namespace soci {
class session;
}

namespace memoryd::test {

/// SELECT count(*) FROM <table> WHERE <column> = :value
long long count_where(soci::session& sql, std::string_view table,
                      std::string_view column, const std::string& value);

} // namespace memoryd::test

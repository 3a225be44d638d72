#pragma once

// The one form of id memoryd stores: a lower-case, hyphenated UUID
// ("0b8f3c1e-7d2a-4e55-9a41-2f6c8d9e0a17"). PostgreSQL's uuid type would
// accept other spellings and reject other text, SQLite would store anything;
// checking the form before the database sees it makes both behave alike.

#include <string_view>

namespace memoryd::storage {

bool is_canonical_uuid(std::string_view s);

} // namespace memoryd::storage

// The token settings: API_TOKENS, ADMIN_TOKENS and their _FILE variants,
// parsed and checked once at start. Messages name the key and the token's
// position, never the token.

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "config/config.hpp"

namespace memoryd::config {

namespace {

/// The least a token may hold: guessing it must be hopeless.
constexpr double min_token_bits = 128;

constexpr std::size_t max_tenant_size = 64;

/// An agent id, as X-Agent-Id takes it: 1 to 128 visible ASCII characters
/// (a comma ends the entry, so it cannot be part of one here).
constexpr std::size_t max_agent_size = 128;

bool is_agent_name(std::string_view a) {
  return !a.empty() && a.size() <= max_agent_size
         && std::all_of(a.begin(), a.end(), [](unsigned char c) {
              return c >= 0x21 && c <= 0x7e;
            });
}

/// RFC 6750's b64token: what a bearer token may be made of.
bool is_token_char(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~'
         || c == '+' || c == '/';
}

bool is_b64token(std::string_view t) {
  auto body = t.substr(0, t.find_last_not_of('=') + 1);
  return !body.empty() && std::all_of(body.begin(), body.end(), is_token_char);
}

/// The entropy a random token of this length and alphabet holds: 4 bits a
/// character for hex, log2(62) for letters and digits, 6 for base64.
double token_bits(std::string_view t) {
  auto body = t.substr(0, t.find_last_not_of('=') + 1);
  auto all = [&](auto pred) { return std::all_of(body.begin(), body.end(), pred); };
  double per_char = 6;
  if (all([](unsigned char c) { return std::isxdigit(c) != 0; }))
    per_char = 4;
  else if (all([](unsigned char c) { return std::isalnum(c) != 0; }))
    per_char = std::log2(62.0);
  return per_char * static_cast<double>(body.size());
}

/// A tenant name: letters, digits, '.', '_' and '-' (it goes into cache
/// entries and logs, so nothing else).
bool is_tenant_name(std::string_view t) {
  return !t.empty() && t.size() <= max_tenant_size
         && std::all_of(t.begin(), t.end(), [](unsigned char c) {
              return std::isalnum(c) || c == '.' || c == '_' || c == '-';
            });
}

std::string trim(std::string_view s) {
  auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos)
    return {};
  auto end = s.find_last_not_of(" \t\r");
  return std::string{s.substr(begin, end - begin + 1)};
}

/// The entries of a comma-separated list, and of each line of a file.
std::vector<std::string> split_entries(std::string_view text, bool lines) {
  std::vector<std::string> out;
  std::string item;
  for (char c : text) {
    if (c == ',' || (lines && c == '\n')) {
      out.push_back(trim(item));
      item.clear();
    } else {
      item += c;
    }
  }
  out.push_back(trim(item));
  out.erase(std::remove(out.begin(), out.end(), std::string{}), out.end());
  return out;
}

std::string read_file(const std::string& key, const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  if (!in)
    throw config_error("invalid " + key + "=\"" + path
                       + "\": the file cannot be read");
  std::ostringstream text;
  std::string line;
  while (std::getline(in, line))
    if (auto t = trim(line); !t.empty() && t.front() != '#')
      text << t << '\n';
  return text.str();
}

/// The entries of KEY and KEY_FILE, each named for messages.
struct named_entry {
  std::string where;  // "API_TOKENS entry 2"
  std::string text;
};

std::vector<named_entry> entries_of(const std::string& key,
                                    const std::string& text,
                                    const std::string& file) {
  std::vector<named_entry> out;
  auto add = [&](const std::string& where, std::string_view source, bool lines) {
    auto items = split_entries(source, lines);
    for (std::size_t i = 0; i < items.size(); ++i)
      out.push_back({where + " entry " + std::to_string(i + 1), items[i]});
  };
  add(key, text, false);
  if (!file.empty())
    add(key + "_FILE (" + file + ")", read_file(key + "_FILE", file), true);
  return out;
}

void check_token(const named_entry& e, std::string_view token) {
  if (!is_b64token(token))
    throw config_error(e.where + ": a token is made of letters, digits and "
                                 "- . _ ~ + / (RFC 6750), with = only at the "
                                 "end");
  if (auto bits = token_bits(token); bits < min_token_bits)
    throw config_error(e.where + ": the token holds about "
                       + std::to_string(static_cast<int>(bits))
                       + " bits; at least 128 are needed (e.g. 32 hex "
                         "characters: openssl rand -hex 32)");
}

} // namespace

void resolve_tokens(settings& s) {
  s.api_tokens.clear();
  s.api_token_agents.clear();
  s.admin_tokens.clear();
  std::set<std::string> seen;
  auto unique = [&](const named_entry& e, const std::string& token) {
    if (!seen.insert(token).second)
      throw config_error(e.where + ": the token is configured twice (a token "
                                   "names one tenant, or admin, only)");
  };
  for (const auto& e :
       entries_of("API_TOKENS", s.api_tokens_text, s.api_tokens_file)) {
    std::string tenant;
    std::string token = e.text;
    if (auto colon = e.text.find(':'); colon != std::string::npos) {
      tenant = e.text.substr(0, colon);
      token = e.text.substr(colon + 1);
      if (!is_tenant_name(tenant))
        throw config_error(e.where + ": a tenant name is 1 to 64 letters, "
                                     "digits, '.', '_' or '-'");
    }
    // '@' is no token character: what follows it is the token's agent.
    std::string agent;
    if (auto at = token.find('@'); at != std::string::npos) {
      agent = token.substr(at + 1);
      token.resize(at);
      if (!is_agent_name(agent))
        throw config_error(e.where + ": an agent (after '@') is 1 to 128 "
                                     "visible ASCII characters");
    }
    check_token(e, token);
    unique(e, token);
    if (!agent.empty())
      s.api_token_agents.emplace(token, std::move(agent));
    s.api_tokens.emplace_back(std::move(tenant), std::move(token));
  }
  for (const auto& e :
       entries_of("ADMIN_TOKENS", s.admin_tokens_text, s.admin_tokens_file)) {
    check_token(e, e.text);
    unique(e, e.text);
    s.admin_tokens.push_back(e.text);
  }
}

} // namespace memoryd::config

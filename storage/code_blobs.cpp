#include "storage/code_blobs.hpp"

#include <algorithm>
#include <list>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <soci/soci.h>

#include "codec/sha256.hpp"
#include "storage/code_blobs_detail.hpp"
#include "storage/database.hpp"
#include "storage/dialect.hpp"
#include "storage/zstd_codec.hpp"

namespace memoryd::storage::code_blobs {

namespace {

// -- SQL ---------------------------------------------------------------------

// The blob of a version, its base and its base's base: the chain the
// versions after it continue.
constexpr const char* blob_of_latest_sql = R"sql(
SELECT b.sha256, b.base_sha256, k.base_sha256 FROM sites s
JOIN site_versions v ON v.site_id = s.site_id AND v.version = s.latest_version
JOIN code_blobs b ON b.sha256 = v.code_sha256
LEFT JOIN code_blobs k ON k.sha256 = b.base_sha256
WHERE s.site_id = :site_id AND v.code = '')sql";
constexpr const char* blob_of_version_sql = R"sql(
SELECT b.sha256, b.base_sha256, k.base_sha256 FROM site_versions v
JOIN code_blobs b ON b.sha256 = v.code_sha256
LEFT JOIN code_blobs k ON k.sha256 = b.base_sha256
WHERE v.site_id = :site_id AND v.version = :version AND v.code = '')sql";

constexpr const char* blob_sql =
  "SELECT size, data FROM code_blobs WHERE sha256 = :sha256";

// How long a keyframe's chain is and what its deltas weigh.
constexpr const char* chain_sql = R"sql(
SELECT count(*), COALESCE(SUM(length(data)), 0) FROM code_blobs
WHERE base_sha256 = :sha256)sql";

// -- keyframe texts ----------------------------------------------------------

// The texts of recent keyframes, per thread (a storage worker's): content
// addressed, so an entry is never stale. Bounded by bytes.
class keyframe_cache {
public:
  std::shared_ptr<const std::string> find(const std::string& sha256) {
    auto it = index_.find(sha256);
    if (it == index_.end())
      return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return it->second->second;
  }

  void put(const std::string& sha256, std::shared_ptr<const std::string> t) {
    if (t->size() > capacity / 4 || index_.count(sha256) > 0)
      return;
    bytes_ += t->size();
    order_.emplace_front(sha256, std::move(t));
    index_.emplace(sha256, order_.begin());
    while (bytes_ > capacity) {
      bytes_ -= order_.back().second->size();
      index_.erase(order_.back().first);
      order_.pop_back();
    }
  }

private:
  static constexpr std::size_t capacity = 8 << 20;
  using entry = std::pair<std::string, std::shared_ptr<const std::string>>;
  std::list<entry> order_;
  std::unordered_map<std::string, std::list<entry>::iterator> index_;
  std::size_t bytes_ = 0;
};

keyframe_cache& keyframes() {
  thread_local keyframe_cache cache;
  return cache;
}

// The text of the blob `sha256` (`size` bytes), from the cache or decoded
// from `frame` with `base` (its base's text; null for a keyframe).
std::shared_ptr<const std::string>
text_of_blob(const std::string& sha256, int64_t size, std::string frame,
             const std::string* base) {
  if (auto hit = keyframes().find(sha256))
    return hit;
  auto text = std::make_shared<const std::string>(zstd_codec::decompress(
    dialect::blob_from_db(std::move(frame)), static_cast<std::size_t>(size),
    base != nullptr ? std::string_view{*base} : std::string_view{}));
  keyframes().put(sha256, text);
  return text;
}

// -- encoding ----------------------------------------------------------------

// `text` compressed against `base` (none: alone). Made once per write:
// the plan prepare() makes ahead is what encode() takes inside the write.
std::string frame_of(std::string_view text, const std::string* base) {
  return base != nullptr ? zstd_codec::compress_against(text, *base)
                         : zstd_codec::compress(text);
}

// A blob new deltas may be made against, with those it has so far.
struct anchor {
  std::string sha256;  // empty: none
  std::shared_ptr<const std::string> text;
  std::size_t bytes = 0;  // its own frame
  std::size_t deltas = 0;
  std::size_t delta_bytes = 0;
};

// Where the next version goes: a delta of `leaf_base` (a keyframe or one of
// its deltas, an intermediate), or else an intermediate of `keyframe`.
struct chain {
  anchor keyframe;  // sha256 empty: none, the next version is a keyframe
  anchor intermediate;
  bool has_intermediate = false;

  anchor& leaf_base() {
    return has_intermediate ? intermediate : keyframe;
  }
};

// Reads blob `sha256`'s frame and its deltas' count and bytes; its text
// decoded with `base` (null: a keyframe). False when it is gone.
bool read_anchor(soci::session& sql, const std::string& sha256,
                 const std::string* base, anchor& out) {
  long long size = 0;
  std::string frame;
  sql << blob_sql, soci::use(sha256, "sha256"), soci::into(size),
    soci::into(frame);
  if (!sql.got_data())
    return false;
  long long deltas = 0;
  long long delta_bytes = 0;
  sql << chain_sql, soci::use(sha256, "sha256"), soci::into(deltas),
    soci::into(delta_bytes);
  out.sha256 = sha256;
  out.deltas = static_cast<std::size_t>(deltas);
  out.delta_bytes = static_cast<std::size_t>(delta_bytes);
  out.bytes = dialect::blob_from_db(frame).size();
  out.text = text_of_blob(sha256, size, std::move(frame), base);
  return true;
}

// The chain a version continues: that of the blob of version
// `after_version` (0: the latest) of the site. That blob, its base and its
// base's base say which is the keyframe and which the intermediate (a
// depth-one blob serves as the intermediate of what follows it).
// The chains this worker extended last, per site, with the blob they
// ended with. A write to the site's latest version continues it without
// reading anything (another worker or daemon may have written to the site
// since: then the new version is a delta of an older one, which costs some
// compression and nothing else). Only ever a hint: store() checks every
// blob and base.
struct known_chain {
  std::string last_sha256;
  chain c;
};

std::unordered_map<std::string, known_chain>& known_chains() {
  thread_local std::unordered_map<std::string, known_chain> chains;
  if (chains.size() > 64)  // each holds up to two texts
    chains.clear();
  return chains;
}

// The text this worker last found stored for a site, per site: a write
// that repeats it (an agent that changed only the requirements or the
// notes) needs no look-up. Only a hint, as the chains are: store() checks
// the blob. It is recorded when found committed; once the write that found
// it commits, a version of the site refers to that blob, which then stays
// as long as the version does.
std::unordered_map<std::string, std::string>& found_texts() {
  thread_local std::unordered_map<std::string, std::string> found;
  if (found.size() > 1024)
    found.clear();
  return found;
}

} // namespace

void detail::forget_known_chains() {
  known_chains().clear();
}

namespace {

chain chain_after(soci::session& sql, const std::string& site_id,
                  int64_t after_version) {
  std::string blob[3];
  soci::indicator flag[3] = {soci::i_ok, soci::i_null, soci::i_null};
  const long long version = after_version;
  if (after_version == 0)
    sql << blob_of_latest_sql, soci::use(site_id, "site_id"),
      soci::into(blob[0]), soci::into(blob[1], flag[1]),
      soci::into(blob[2], flag[2]);
  else
    sql << blob_of_version_sql, soci::use(site_id, "site_id"),
      soci::use(version, "version"), soci::into(blob[0]),
      soci::into(blob[1], flag[1]), soci::into(blob[2], flag[2]);
  chain c;
  if (!sql.got_data())
    return c;
  if (auto known = known_chains().find(site_id);
      known != known_chains().end() && known->second.last_sha256 == blob[0])
    return known->second.c;
  // The blob, its base, its base's base: the last one there is the
  // keyframe, the one before it (if any) the intermediate.
  const int depth = flag[1] != soci::i_ok ? 0 : flag[2] != soci::i_ok ? 1 : 2;
  const auto& keyframe = blob[depth];
  if (!read_anchor(sql, keyframe, nullptr, c.keyframe))
    return {};
  if (depth > 0) {
    c.has_intermediate = read_anchor(sql, blob[depth - 1],
                                     c.keyframe.text.get(), c.intermediate);
  }
  return c;
}

// Whether `delta` is worth keeping as a delta of `a`, by the policy.
bool worth_a_delta(const anchor& a, std::size_t delta, const policy& p) {
  if (a.deltas >= p.max_chain)
    return false;
  if (static_cast<double>(delta)
      >= p.max_delta_share * static_cast<double>(a.bytes))
    return false;
  // The average per version of `a` and its deltas.
  return delta * (a.deltas + 1) <= a.bytes + a.delta_bytes;
}

// Whether `delta` is worth keeping as a new intermediate of `keyframe`.
bool worth_an_intermediate(const anchor& keyframe, std::size_t delta,
                           const policy& p) {
  return keyframe.deltas < p.max_chain
         && static_cast<double>(delta)
              < p.max_intermediate_share * static_cast<double>(keyframe.bytes);
}

// How `ref` (a new text) is stored in chain `c`, which it then continues.
void plan_blob(chain& c, encoded_code& e, const policy& p) {
  const auto text = e.ref.code;
  if (!c.keyframe.sha256.empty()) {
    auto& leaf_base = c.leaf_base();
    auto delta = frame_of(text, leaf_base.text.get());
    if (worth_a_delta(leaf_base, delta.size(), p)) {
      e.base_sha256 = leaf_base.sha256;
      ++leaf_base.deltas;
      leaf_base.delta_bytes += delta.size();
      e.frame = std::move(delta);
      return;
    }
    if (c.has_intermediate)
      delta = frame_of(text, c.keyframe.text.get());
    if (worth_an_intermediate(c.keyframe, delta.size(), p)) {
      e.base_sha256 = c.keyframe.sha256;
      ++c.keyframe.deltas;
      c.keyframe.delta_bytes += delta.size();
      e.frame = std::move(delta);
      c.intermediate = {std::string{e.ref.sha256},
                        std::make_shared<const std::string>(text),
                        e.frame.size(), 0, 0};
      c.has_intermediate = true;
      return;
    }
  }
  // A keyframe is compressed only when no delta is worth it.
  e.frame = frame_of(text, nullptr);
  c.keyframe = {std::string{e.ref.sha256},
                std::make_shared<const std::string>(text), e.frame.size(), 0,
                0};
  c.has_intermediate = false;
}

// A plan, and the chain to remember for its site once it is stored.
struct planned_codes {
  std::vector<encoded_code> plan;
  std::optional<known_chain> last;
};

// Whether the blob of `sha256`, a text for `site_id`, is stored, as far as
// planning needs to know. A site this worker knows the chain of is not
// asked about: a text new to it is planned anew, and store() finds the
// blob if it exists.
bool stored_already(soci::session& sql, const std::string& site_id,
                    const known_chain* known, const std::string& sha256) {
  auto& found = found_texts();
  if (known && known->last_sha256 == sha256)
    return true;
  if (auto it = found.find(site_id); it != found.end() && it->second == sha256)
    return true;
  if (known || !detail::blob_exists(sql, sha256, false))
    return false;
  found[site_id] = sha256;
  return true;
}

planned_codes plan_codes(soci::session& sql, const std::string& site_id,
                         int64_t after_version,
                         const std::vector<code_ref>& codes, const policy& p) {
  planned_codes out;
  auto& plan = out.plan;
  plan.reserve(codes.size());
  std::unordered_set<std::string_view> planned;
  // Known: neither the reuse check nor the chain is read; a blob planned
  // anew that exists after all is found by store() and left as it is.
  const known_chain* known = nullptr;
  if (auto it = known_chains().find(site_id);
      after_version == 0 && it != known_chains().end())
    known = &it->second;
  chain c;
  bool chain_read = false;
  for (const auto& ref : codes) {
    encoded_code e;
    e.ref = ref;
    if (codec::sha256_hex(ref.code) != ref.sha256) {
      e.plain = true;
    } else if (planned.count(ref.sha256) > 0
               || stored_already(sql, site_id, known, std::string{ref.sha256})) {
      e.reuse = true;
    } else {
      if (!chain_read) {
        c = known ? known->c : chain_after(sql, site_id, after_version);
        chain_read = true;
      }
      plan_blob(c, e, p);
      out.last = known_chain{std::string{ref.sha256}, c};
      planned.insert(ref.sha256);
    }
    plan.push_back(std::move(e));
  }
  return out;
}

// A plan prepare() made on this thread, for the encode() of the same
// codes that follows it inside the write transaction: that encode()
// then reads nothing. The plan may have aged meanwhile (another daemon
// wrote to the site): store() checks every blob and base it relies on.
// It owns copies of its codes: the codes prepare() saw may be gone when
// the next encode() comes (their write failed before it encoded), and a
// later write's codes may then sit in the same memory.
struct code_copy {
  std::string code;
  std::string sha256;
};

struct prepared_plan {
  std::string site_id;
  policy made_by;
  planned_codes codes;  // refs cleared: they would dangle
  std::vector<code_copy> made_for;  // the codes, in order
};

bool same_policy(const policy& a, const policy& b) {
  return a.max_delta_share == b.max_delta_share && a.max_chain == b.max_chain
         && a.max_intermediate_share == b.max_intermediate_share;
}

// The plans of the last prepare() on this thread, one per site, until
// encode() takes them or the next prepare() replaces them.
std::vector<prepared_plan>& prepared_plans() {
  thread_local std::vector<prepared_plan> prepared;
  return prepared;
}

// The prepared plan for `codes` of `site_id`, rebound to them; none when
// none was prepared for that site, or it was for other codes.
std::optional<planned_codes> take_prepared(const std::string& site_id,
                                           const std::vector<code_ref>& codes,
                                           const policy& p) {
  auto& plans = prepared_plans();
  auto it = std::find_if(plans.begin(), plans.end(),
                         [&](const auto& plan) { return plan.site_id == site_id; });
  if (it == plans.end())
    return std::nullopt;
  std::optional<prepared_plan> prepared = std::move(*it);
  plans.erase(it);
  if (!same_policy(prepared->made_by, p)
      || prepared->codes.plan.size() != codes.size())
    return std::nullopt;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    const auto& seen = prepared->made_for[i];
    if (seen.sha256 != codes[i].sha256 || seen.code != codes[i].code)
      return std::nullopt;
  }
  auto& plan = prepared->codes.plan;
  for (std::size_t i = 0; i < codes.size(); ++i)
    plan[i].ref = codes[i];
  return std::move(prepared->codes);
}

} // namespace

std::vector<encoded_code> encode(soci::session& sql, const std::string& site_id,
                                 int64_t after_version,
                                 const std::vector<code_ref>& codes,
                                 const policy& p) {
  auto prepared = after_version == 0 ? take_prepared(site_id, codes, p)
                                     : std::nullopt;
  auto planned = prepared ? std::move(*prepared)
                          : plan_codes(sql, site_id, after_version, codes, p);
  if (planned.last)
    known_chains()[site_id] = std::move(*planned.last);
  return std::move(planned.plan);
}

void prepare(soci::session& sql, const std::vector<site_codes>& sites) {
  auto& plans = prepared_plans();
  plans.clear();
  const policy p;
  for (const auto& site : sites) {
    auto planned = plan_codes(sql, site.site_id, 0, site.codes, p);
    std::vector<code_copy> made_for;
    for (auto& e : planned.plan) {
      made_for.push_back({std::string{e.ref.code}, std::string{e.ref.sha256}});
      e.ref = {};
    }
    plans.push_back(prepared_plan{site.site_id, p, std::move(planned),
                                  std::move(made_for)});
  }
}

std::string text_of(fetched_code&& f) {
  if (!f.code.empty())
    return std::move(f.code);
  if (!f.has_blob) {
    if (f.size == 0)  // plain and empty, from before migration 0006
      return {};
    throw corrupt_blob("the blob of a version of " + std::to_string(f.size)
                       + " bytes is missing");
  }
  std::shared_ptr<const std::string> base;
  if (f.has_base) {
    std::shared_ptr<const std::string> keyframe;
    if (f.has_base_base)
      keyframe = text_of_blob(f.base_base_sha256, f.base_base_size,
                              std::move(f.base_base_blob), nullptr);
    base = text_of_blob(f.base_sha256, f.base_size, std::move(f.base_blob),
                        keyframe.get());
  }
  return zstd_codec::decompress(dialect::blob_from_db(std::move(f.blob)),
                                static_cast<std::size_t>(f.size),
                                base ? std::string_view{*base}
                                     : std::string_view{});
}

} // namespace memoryd::storage::code_blobs

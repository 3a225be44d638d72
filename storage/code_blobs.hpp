#pragma once

// Compact, content-addressed storage of version code (migration 0006).
// Internal to storage/, but for prepare(), which the storage worker runs
// before a write's transaction, and collect_garbage(), which the nightly
// cleanup runs (actors/cleanup_worker.cpp).
//
// The code of a version lives once per distinct SHA-256 in code_blobs, as
// one zstd frame: a *keyframe* is the whole text compressed alone, a
// *delta* is the text compressed with its base's text as zstd's prefix
// dictionary. A delta's base is a keyframe or an *intermediate* (a delta
// whose base is a keyframe), never deeper, so a read costs at most three
// blobs (one query) and three decompressions, however long the history.
// A site_versions row refers to its blob by its code_sha256 and holds ''
// in code; a row whose code is not empty is plain (written before
// migration 0006, or with a digest that is not its code's SHA-256) and is
// read as it is.
//
// Writing is two steps: encode() reads and compresses before the site's
// row lock (and, after prepare(), before the write transaction), store()
// then makes sure every blob exists and stays until the commit, inside it,
// once the site's row lock is held (so that a writer queued on that lock
// holds no blob key other sites' writers may wait for). The collector,
// collect_garbage(), is in code_blob_collector.cpp, store() in
// code_blob_store.cpp.
//
// Why a blob never goes while a version needs it (the collector,
// collect_garbage(), deletes blobs no row refers to):
//  - SQLite: every write transaction, the collector's included, is BEGIN
//    IMMEDIATE, so they run one at a time, and each sees all that committed
//    before it. store() finds the blob or inserts it, and no collector can
//    run between that and the commit.
//  - PostgreSQL, READ COMMITTED: store() takes FOR KEY SHARE on the blob
//    (and on a delta's base) before the row that refers to it is
//    written, and holds it until commit. The collector first locks its
//    candidates FOR UPDATE SKIP LOCKED, passing over any blob a writer
//    holds, and only then, in a later statement (so with a newer snapshot),
//    deletes those that still nothing refers to. A writer that comes after
//    the collector's lock waits for the collector's commit, then finds the
//    blob gone and inserts it again. A writer that committed before that
//    later statement is seen by it. So no committed row refers to a blob
//    the collector deleted. (Checking and locking in one statement would not
//    do: its snapshot predates the lock, and a writer that committed in
//    between would go unseen.) The foreign key from a delta to its base
//    makes the database refuse, rather than break, a base's deletion.
//  Anything that copies rows of site_versions (fork) must either hold the
//  source rows' site against deletion until it commits, or lock their blobs
//  as store() does.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace soci {
class session;
}

namespace memoryd::storage::code_blobs {

/// The keyframe policy. A new text becomes a delta of the chain's leaf
/// base (its current intermediate, or its keyframe when it has none) unless
/// that delta would be at least `max_delta_share` of the leaf base, or cost
/// more than the average bytes per version of the leaf base and its deltas
/// so far (with edits that drift from the base, that average is lowest when
/// a run ends there), or the base has `max_chain` deltas. Then it becomes a
/// new intermediate (a delta of the keyframe, which later versions are
/// deltas of) when that delta is small enough, else a new keyframe.
struct policy {
  double max_delta_share = 0.5;
  std::size_t max_chain = 64;
  /// An intermediate is made when its delta is below this share of the
  /// keyframe; else a new keyframe.
  double max_intermediate_share = 0.25;
};

/// A version's code to store, and its digest as the caller computed it.
struct code_ref {
  std::string_view code;
  std::string_view sha256;
};

/// How encode() will store one code.
struct encoded_code {
  code_ref ref;
  /// The digest is not the code's SHA-256: stored in the row, as before.
  bool plain = false;
  /// A blob of this digest existed (or comes earlier in the batch): no
  /// frame was made.
  bool reuse = false;
  /// A reused blob the version's own statement already found and locked
  /// in this transaction (version_insert::add_one_postgresql): store()
  /// leaves it.
  bool held = false;
  /// A delta's keyframe; empty for a keyframe.
  std::string base_sha256;
  /// The zstd frame to insert (a delta when base_sha256 is set).
  std::string frame;
};

/// Plans how to store `codes`, which follow version `after_version` of the
/// site (0: its latest), in order. Reads the site's chain and compresses;
/// writes nothing. A site that does not exist starts a new chain.
std::vector<encoded_code> encode(soci::session& sql, const std::string& site_id,
                                 int64_t after_version,
                                 const std::vector<code_ref>& codes,
                                 const policy& p = {});

/// The codes about to be appended to one site.
struct site_codes {
  std::string site_id;
  std::vector<code_ref> codes;
};

/// What encode() will do for each site's codes, done ahead, on a
/// connection without a transaction: this thread remembers a plan per site
/// (and the frames it made) until its next prepare(), so the encode() of
/// the same codes inside the write transaction takes it and neither reads
/// nor compresses (a storage worker calls it first, for every site of a
/// folded write). A plan may be stale by then, which store() copes with.
/// Only a head start: may throw like any read, keeping the plans made.
void prepare(soci::session& sql, const std::vector<site_codes>& sites);

/// Inside the caller's write transaction: makes every planned blob exist
/// (inserting it, or a keyframe instead of a delta whose keyframe has gone)
/// and keeps it until the commit. After this, rows that refer to them may
/// be written.
void store(soci::session& sql, std::vector<encoded_code>& plan);

/// The text a site_versions row stands for: `code` when it is not empty
/// (plain), else its blob's, decoded with its keyframe. The blob columns
/// come from the LEFT JOINs of site_sql's versions query, as fetched.
/// Throws corrupt_blob (storage/errors.hpp) when they do not decode to
/// exactly `size` bytes, or the blob is missing.
struct fetched_code {
  std::string code;
  int64_t size = 0;
  bool has_blob = false;
  std::string blob;
  bool has_base = false;       // the blob is a delta
  std::string base_sha256;
  int64_t base_size = 0;
  std::string base_blob;
  bool has_base_base = false;  // its base is an intermediate
  std::string base_base_sha256;
  int64_t base_base_size = 0;
  std::string base_base_blob;
};
std::string text_of(fetched_code&& f);

/// One batch of the collector: examines up to `batch` blobs in sha256
/// order after `after` (empty: from the first) and deletes those no row of
/// site_versions refers to and no delta needs as its keyframe, in one
/// transaction. Returns how many it deleted and sets `after` to the last
/// one examined; empty when the pass is complete.
std::size_t collect_garbage(soci::session& sql, std::string& after,
                            std::size_t batch);

} // namespace memoryd::storage::code_blobs

#pragma once

// The answer of GET …/versions/{n}/diff?against={m}, computed from the two
// versions as GET …/versions/{k} renders them: the unified diff of the
// code (diff/), the JSON Patch from m's requirements to n's, and the
// metadata that differs, or only the unified diff (text/x-diff). Pure: no
// actor, no I/O; the diff workers call it.

#include <string>

#include "actors/interfaces.hpp"
#include "diff/line_diff.hpp"

namespace memoryd {

/// Answers `job`: a strong ETag over everything the answer shows, and the
/// body unless the job's If-None-Match names that ETag (then the diff is
/// not computed at all). Throws request_error(payload_too_large) past
/// `bounds`.
diff_answer answer_diff(const diff_job& job, const diff::limits& bounds);

/// "a/site/<site_id>/v<m>" and "b/…/v<n>": the file names in the header.
std::string diff_label(char side, const std::string& site_id, int64_t version);

} // namespace memoryd

#include "actors/diff_routes.hpp"

#include <charconv>
#include <chrono>
#include <cstdint>

#include "actors/errors.hpp"
#include "actors/route_support.hpp"
#include "actors/site_codec.hpp"

namespace memoryd {

namespace {

[[noreturn]] void invalid(const std::string& message) {
  throw request_error(error_type::validation, message);
}

/// A whole number in [low, high] as a query parameter, or 400 `message`.
int64_t query_number(const std::string& text, int64_t low, int64_t high,
                     const std::string& message) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()
      || n < low || n > high)
    invalid(message);
  return n;
}

/// ?format=patch, or Accept: text/x-diff (text/x-patch) without ?format.
bool wants_patch(const api_request& req) {
  if (const auto* format = req.query_param("format")) {
    if (*format != "json" && *format != "patch")
      invalid("format must be json or patch");
    return *format == "patch";
  }
  const auto* accept = req.header("accept");
  return accept != nullptr
         && (accept->find("text/x-diff") != std::string::npos
             || accept->find("text/x-patch") != std::string::npos);
}

/// Both versions are read; the diff itself happens on a diff worker.
struct diff_fetch {
  diff_job job;
  int pending = 2;
  bool failed = false;
};

std::chrono::milliseconds time_left(front_pointer self, const exchange& ex) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
    ex.started + self->state.wiring.options.request_timeout
    - std::chrono::steady_clock::now());
}

api_response diff_response(bool patch_only, diff_answer& answer) {
  // The code of a version never changes, so neither does its patch; the
  // JSON shows audit_score, which an audit changes: revalidate (cheap: a
  // matching ETag is answered before any diff is computed).
  header_list headers{
    {"ETag", answer.etag},
    {"Cache-Control", patch_only ? "private, max-age=31536000, immutable"
                                 : "private, no-cache"},
    {"Vary", "Accept"}};
  if (answer.not_modified)
    return {304, std::move(headers), {}};
  api_response res{200, std::move(headers), std::move(answer.body)};
  if (patch_only)
    res.content_type = "text/x-diff; charset=utf-8";
  return res;
}

void run_diff(front_pointer self, const exchange_ptr& ex,
              std::shared_ptr<diff_fetch> fetch) {
  const auto left = time_left(self, *ex);
  if (left.count() <= 0)
    return ex->fail(make_error(errc::timeout, "the versions were not read "
                                              "within the request's deadline"));
  auto job = std::move(fetch->job);
  const bool patch_only = job.patch_only;
  traced_request(self, self->state.wiring.diff, left,
                 trace_of(ex->request.request_id), atom::ver_diff::value,
                 std::move(job))
    .then(
      [=](diff_answer& answer) {
        ex->respond(diff_response(patch_only, answer));
      },
      [=](caf::error& err) { ex->fail(err); });
}

/// Reads version `number` into `slot`; the last one read starts the diff.
void fetch_version(front_pointer self, const exchange_ptr& ex,
                   std::shared_ptr<diff_fetch> fetch, int64_t number,
                   std::string diff_job::*slot) {
  const auto& req = ex->request;
  const auto& site_id = req.path_params.at(0);
  traced_request(self, shard_for(self->state.wiring.sites, site_id),
                 self->state.wiring.options.request_timeout,
                 trace_of(req.request_id), atom::ver_get::value, req.tenant,
                 site_id, number)
    .then(
      [=](rendered& version) {
        if (fetch->failed)
          return;
        fetch->job.*slot = std::move(version.body);
        if (--fetch->pending == 0)
          run_diff(self, ex, fetch);
      },
      [=](caf::error& err) {
        if (fetch->failed)
          return;
        fetch->failed = true;
        ex->fail(err);
      });
}

} // namespace

void serve_diff_route(front_pointer self, exchange_ptr ex) {
  const auto& req = ex->request;
  const auto n = parse_version_number(req.path_params.at(1));
  int64_t m = n - 1;
  if (const auto* against = req.query_param("against"))
    m = query_number(*against, 1, INT64_MAX,
                     "against must be a version number (a whole number "
                     "from 1)");
  else if (n == 1)
    invalid("version 1 has no version before it: name one with ?against=");
  auto fetch = std::make_shared<diff_fetch>();
  auto& job = fetch->job;
  job.site_id = req.path_params.at(0);
  if (const auto* context = req.query_param("context"))
    job.context = query_number(*context, 0, max_diff_context,
                               "context must be a whole number from 0 to "
                                 + std::to_string(max_diff_context));
  job.patch_only = wants_patch(req);
  if (const auto* tag = req.header("if-none-match"))
    job.if_none_match = *tag;
  fetch_version(self, ex, fetch, m, &diff_job::old_version);
  fetch_version(self, ex, fetch, n, &diff_job::new_version);
}

} // namespace memoryd

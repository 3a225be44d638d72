#include "tests/e2e/raw_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace memoryd::test {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

int remaining_ms(raw_connection::clock::time_point deadline) {
  auto left = duration_cast<milliseconds>(deadline
                                          - raw_connection::clock::now());
  return static_cast<int>(std::max<milliseconds::rep>(left.count(), 0));
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size()
         && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
              return std::tolower(static_cast<unsigned char>(x))
                     == std::tolower(static_cast<unsigned char>(y));
            });
}

} // namespace

std::string raw_response::header(std::string_view name) const {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    auto end = head.find("\r\n", pos + 2);
    std::string_view line{head.data() + pos + 2,
                          (end == std::string::npos ? head.size() : end)
                            - pos - 2};
    auto colon = line.find(':');
    if (colon != std::string_view::npos && iequal(line.substr(0, colon), name)) {
      auto value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ')
        value.remove_prefix(1);
      return std::string{value};
    }
    pos = end;
  }
  return {};
}

std::string raw_outcome::describe() const {
  std::string out = std::to_string(responses.size()) + " responses [";
  for (const auto& r : responses)
    out += std::to_string(r.status) + " ";
  out += "]";
  out += closed ? ", closed" : ", still open";
  if (malformed)
    out += ", malformed: " + rest.substr(0, 200);
  return out;
}

raw_outcome parse_responses(std::string bytes, bool closed,
                            std::size_t head_requests) {
  raw_outcome out;
  out.closed = closed;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    auto end = bytes.find("\r\n\r\n", pos);
    if (bytes.compare(pos, 5, "HTTP/") != 0) {
      out.malformed = true;
      break;
    }
    if (end == std::string::npos)
      break; // incomplete: left in rest
    raw_response r;
    r.head = bytes.substr(pos, end - pos);
    try {
      r.status = static_cast<unsigned>(std::stoul(r.head.substr(9, 3)));
    } catch (const std::exception&) {
      out.malformed = true;
      break;
    }
    std::size_t length = 0;
    auto cl = r.header("Content-Length");
    bool bodiless = r.status == 204 || r.status == 304 || r.status < 200
                    || out.responses.size() < head_requests;
    if (!cl.empty() && !bodiless)
      length = std::stoul(cl);
    if (end + 4 + length > bytes.size())
      break;
    r.body = bytes.substr(end + 4, length);
    pos = end + 4 + length;
    // Interim responses (100 Continue) are not answers.
    if (r.status >= 200)
      out.responses.push_back(std::move(r));
  }
  out.rest = bytes.substr(std::min(pos, bytes.size()));
  return out;
}

raw_connection::raw_connection(uint16_t port, int receive_buffer) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0)
    throw std::system_error(errno, std::generic_category(), "socket");
  if (receive_buffer > 0)
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer,
                 sizeof receive_buffer);
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    auto err = errno;
    ::close(fd_);
    throw std::system_error(err, std::generic_category(), "connect");
  }
}

raw_connection::~raw_connection() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool raw_connection::send(std::string_view bytes,
                          std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  while (!bytes.empty()) {
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0)
      return false;
    auto n = ::send(fd_, bytes.data(), bytes.size(),
                    MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR)
        continue;
      return false; // EPIPE, ECONNRESET: the server is gone
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

raw_outcome raw_connection::read_all(std::chrono::milliseconds timeout,
                                     std::size_t expected,
                                     std::size_t head_requests) {
  auto deadline = clock::now() + timeout;
  bool closed = false;
  char chunk[65536];
  for (;;) {
    if (expected > 0
        && parse_responses(input_, false, head_requests).responses.size()
             >= expected)
      break;
    pollfd p{fd_, POLLIN, 0};
    int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready <= 0)
      break; // the wait is over
    auto n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      closed = true;
      break;
    }
    if (n > 0)
      input_.append(chunk, static_cast<std::size_t>(n));
  }
  auto out = parse_responses(input_, closed, head_requests);
  input_ = out.rest;
  return out;
}

bool raw_connection::closed_within(std::chrono::milliseconds timeout) {
  auto deadline = clock::now() + timeout;
  char chunk[65536];
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, remaining_ms(deadline)) <= 0)
      return false;
    auto n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
      return true;
  }
}

void raw_connection::shutdown_send() {
  ::shutdown(fd_, SHUT_WR);
}

} // namespace memoryd::test

#include "tests/support/pg_fault_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <stdexcept>

namespace memoryd::test {

namespace {

// The protocol version of a StartupMessage (3.0); anything else untyped
// before it (SSLRequest, GSSENCRequest) is answered by the server first.
constexpr uint32_t protocol_3 = 196608;

bool read_exactly(int fd, char* out, std::size_t n) {
  while (n > 0) {
    auto got = ::recv(fd, out, n, 0);
    if (got <= 0)
      return false;
    out += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

bool write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    auto sent = ::send(fd, data, n, MSG_NOSIGNAL);
    if (sent <= 0)
      return false;
    data += sent;
    n -= static_cast<std::size_t>(sent);
  }
  return true;
}

uint32_t be32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}

bool is_commit(const std::string& query) {
  std::string head;
  for (char c : query.substr(0, 6))
    head += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return head == "COMMIT";
}

} // namespace

struct pg_fault_proxy::connection {
  int client = -1;
  int server = -1;
  /// Set before a COMMIT goes upstream: its answer is to be lost.
  std::atomic<bool> lose_answer{false};

  void cut() {
    ::shutdown(client, SHUT_RDWR);
    ::shutdown(server, SHUT_RDWR);
  }

  ~connection() {
    if (client >= 0)
      ::close(client);
    if (server >= 0)
      ::close(server);
  }
};

pg_fault_proxy::pg_fault_proxy(uint16_t upstream_port)
  : upstream_port_(upstream_port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (listener_ < 0
      || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0
      || ::listen(listener_, 64) != 0
      || ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("pg_fault_proxy: cannot listen");
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread{[this] { accept_loop(); }};
}

pg_fault_proxy::~pg_fault_proxy() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  acceptor_.join();
  ::close(listener_);
  {
    std::lock_guard<std::mutex> guard{mutex_};
    for (auto& c : connections_)
      c->cut();
  }
  for (auto& t : threads_)
    t.join();
}

std::string pg_fault_proxy::proxied_url(const std::string& url) const {
  auto colon = url.rfind(':', url.find('/', url.find("://") + 3));
  auto slash = url.find('/', colon);
  auto out = url.substr(0, colon + 1) + std::to_string(port_) + url.substr(slash);
  out += out.find('?') == std::string::npos ? '?' : '&';
  return out + "sslmode=disable&gssencmode=disable";
}

void pg_fault_proxy::accept_loop() {
  for (;;) {
    int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) {
      if (stopping_)
        return;
      continue;
    }
    auto c = std::make_shared<connection>();
    c->client = client;
    c->server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(upstream_port_);
    if (::connect(c->server, reinterpret_cast<sockaddr*>(&addr), sizeof addr)
        != 0)
      continue;  // the client sees its connection closed
    std::lock_guard<std::mutex> guard{mutex_};
    connections_.push_back(c);
    threads_.emplace_back([this, c] { serve(c); });
  }
}

void pg_fault_proxy::serve(std::shared_ptr<connection> c) {
  // Server to client: bytes as they come, but a COMMIT's lost answer.
  std::thread down{[this, c] {
    char buf[16384];
    for (;;) {
      auto n = ::recv(c->server, buf, sizeof buf, 0);
      if (n <= 0)
        break;
      if (c->lose_answer) {
        ++cut_;
        break;  // the answer arrived: the commit happened
      }
      if (!write_all(c->client, buf, static_cast<std::size_t>(n)))
        break;
    }
    c->cut();
  }};
  // Client to server, message by message: untyped ones until the startup
  // message, then a type byte and a length each.
  bool started = false;
  std::vector<char> msg;
  for (;;) {
    char head[5];
    const std::size_t head_size = started ? 5 : 4;
    if (!read_exactly(c->client, head, head_size))
      break;
    const auto length = be32(head + head_size - 4);
    if (length < 4 || length > (1u << 30))
      break;
    msg.assign(head, head + head_size);
    msg.resize(head_size + length - 4);
    if (!read_exactly(c->client, msg.data() + head_size, length - 4))
      break;
    if (!started && length >= 8 && be32(msg.data() + 4) == protocol_3)
      started = true;
    if (started && head[0] == 'Q'
        && is_commit(std::string{msg.data() + 5, msg.size() - 5})) {
      int armed = armed_.load();
      while (armed > 0 && !armed_.compare_exchange_weak(armed, armed - 1)) {
      }
      if (armed > 0)
        c->lose_answer = true;  // before it goes: the answer may be quick
    }
    if (!write_all(c->server, msg.data(), msg.size()))
      break;
  }
  c->cut();
  down.join();
}

} // namespace memoryd::test

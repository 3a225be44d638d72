#pragma once

// The server's TLS settings: one OpenSSL context, loaded and checked once at
// start and shared by every connection. TLS 1.2 is the oldest protocol it
// speaks; a certificate or key that cannot be used is a tls_error naming the
// file, so the daemon stops at start instead of failing every handshake.
// Beast-free: the context is only forward-declared here.

#include <memory>
#include <stdexcept>
#include <string>

namespace boost::asio::ssl {
class context;
} // namespace boost::asio::ssl

namespace memoryd::net {

using tls_context = boost::asio::ssl::context;

/// A certificate chain or private key that cannot be used.
struct tls_error : std::runtime_error {
  enum class file { certificate, key };

  tls_error(file which, std::string path, std::string reason);

  /// The file at fault (for a key that does not match its certificate: key).
  file which;
  std::string path;
  std::string reason;
};

/// A TLS server context from a PEM certificate chain (server certificate
/// first) and the PEM private key of that certificate. Throws tls_error.
std::shared_ptr<tls_context>
make_server_tls_context(const std::string& cert_file,
                        const std::string& key_file);

} // namespace memoryd::net

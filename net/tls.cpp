#include "net/tls.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <utility>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace memoryd::net {

namespace ssl = boost::asio::ssl;

namespace {

/// Forward secrecy and AEAD only (Mozilla's "intermediate" TLS 1.2 list
/// without DHE); TLS 1.3 keeps OpenSSL's suites, which are all sound.
constexpr const char* tls12_ciphers
  = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

/// Fails with the system's reason when `path` cannot be read at all: clearer
/// than OpenSSL's "system lib" for a missing file or a bad permission.
void check_readable(tls_error::file which, const std::string& path) {
  std::ifstream in{path};
  if (!in)
    throw tls_error(which, path, std::strerror(errno));
}

} // namespace

tls_error::tls_error(file which, std::string path, std::string reason)
  : std::runtime_error((which == file::certificate ? "TLS certificate "
                                                   : "TLS private key ")
                       + path + ": " + reason),
    which(which),
    path(std::move(path)),
    reason(std::move(reason)) {
  // nop
}

std::shared_ptr<tls_context>
make_server_tls_context(const std::string& cert_file,
                        const std::string& key_file) {
  using file = tls_error::file;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                   | ssl::context::no_sslv3 | ssl::context::no_tlsv1
                   | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  auto* native = ctx->native_handle();
  // The options above are deprecated in OpenSSL 3; this is the current way.
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_cipher_list(native, tls12_ciphers);
  boost::system::error_code ec;
  check_readable(file::certificate, cert_file);
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec)
    throw tls_error(file::certificate, cert_file,
                    "not a usable PEM certificate chain (" + ec.message()
                      + ")");
  check_readable(file::key, key_file);
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);
  // OpenSSL compares the key with the certificate already while loading it.
  if ((ec && ERR_GET_REASON(ec.value()) == X509_R_KEY_VALUES_MISMATCH)
      || (!ec && SSL_CTX_check_private_key(native) != 1))
    throw tls_error(file::key, key_file,
                    "does not match the certificate in " + cert_file);
  if (ec)
    throw tls_error(file::key, key_file,
                    "not a usable PEM private key (" + ec.message() + ")");
  return ctx;
}

} // namespace memoryd::net

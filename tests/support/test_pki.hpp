#pragma once

// Throwaway TLS certificates for tests, made with OpenSSL's C API (no
// openssl binary needed): a CA, and a server certificate it signed for
// 127.0.0.1, ::1 and localhost, as PEM files in a new temp directory.

#include <filesystem>
#include <string_view>

namespace memoryd::test {

struct test_pki {
  std::filesystem::path ca_file;    // the CA's certificate: what clients trust
  std::filesystem::path cert_file;  // the server's certificate
  std::filesystem::path key_file;   // the server certificate's private key
};

/// A new CA named `name` and a server certificate signed by it (P-256 keys,
/// valid from an hour ago for a day). Throws std::runtime_error.
test_pki make_test_pki(std::string_view name);

/// The PKI named `name` of this test program, made on first use: "memoryd"
/// for the server, another name for a CA that did not sign it.
const test_pki& shared_test_pki(std::string_view name = "memoryd");

} // namespace memoryd::test

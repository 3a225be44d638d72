#include "tests/support/test_pki.hpp"

#include <cstdio>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tests/support/test_env.hpp"

namespace memoryd::test {

namespace {

struct openssl_free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
  void operator()(std::FILE* p) const { std::fclose(p); }
};

using key_ptr = std::unique_ptr<EVP_PKEY, openssl_free>;
using cert_ptr = std::unique_ptr<X509, openssl_free>;

void check(bool ok, const char* what) {
  if (!ok)
    throw std::runtime_error(std::string{"test_pki: "} + what + " failed");
}

key_ptr make_key() {
  key_ptr key{EVP_EC_gen("P-256")};
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

/// A certificate for `key` named `cn`, signed by `issuer_key` as `issuer`
/// (itself when null), with the extensions given as (NID, value) pairs.
cert_ptr make_cert(EVP_PKEY* key, const std::string& cn, long serial,
                   X509* issuer, EVP_PKEY* issuer_key,
                   std::initializer_list<std::pair<int, const char*>> exts) {
  cert_ptr cert{X509_new()};
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
  auto* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()),
                             -1, -1, 0);
  if (issuer == nullptr)
    issuer = cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : exts) {
    std::unique_ptr<X509_EXTENSION, openssl_free> ext{
      X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)};
    check(ext != nullptr, value);
    X509_add_ext(cert.get(), ext.get(), -1);
  }
  check(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

void write_pem(const std::filesystem::path& path, X509* cert, EVP_PKEY* key) {
  std::unique_ptr<std::FILE, openssl_free> out{std::fopen(path.c_str(), "w")};
  check(out != nullptr, "fopen");
  if (cert != nullptr)
    check(PEM_write_X509(out.get(), cert) == 1, "PEM_write_X509");
  if (key != nullptr)
    check(PEM_write_PrivateKey(out.get(), key, nullptr, nullptr, 0, nullptr,
                               nullptr)
            == 1,
          "PEM_write_PrivateKey");
}

} // namespace

test_pki make_test_pki(std::string_view name) {
  auto dir = make_temp_dir("pki");
  auto ca_key = make_key();
  auto ca = make_cert(ca_key.get(), std::string{name} + " test CA", 1, nullptr,
                      ca_key.get(),
                      {{NID_basic_constraints, "critical,CA:TRUE"},
                       {NID_key_usage, "critical,keyCertSign,cRLSign"},
                       {NID_subject_key_identifier, "hash"}});
  auto key = make_key();
  auto cert = make_cert(key.get(), "localhost", 2, ca.get(), ca_key.get(),
                        {{NID_basic_constraints, "critical,CA:FALSE"},
                         {NID_key_usage, "critical,digitalSignature"},
                         {NID_ext_key_usage, "serverAuth"},
                         {NID_subject_alt_name,
                          "IP:127.0.0.1,IP:::1,DNS:localhost"},
                         {NID_authority_key_identifier, "keyid"}});
  test_pki pki{dir / "ca.pem", dir / "cert.pem", dir / "key.pem"};
  write_pem(pki.ca_file, ca.get(), nullptr);
  write_pem(pki.cert_file, cert.get(), nullptr);
  write_pem(pki.key_file, nullptr, key.get());
  return pki;
}

const test_pki& shared_test_pki(std::string_view name) {
  static std::mutex mutex;
  static std::map<std::string, test_pki, std::less<>> made;
  std::lock_guard lock{mutex};
  auto it = made.find(name);
  if (it == made.end())
    it = made.emplace(std::string{name}, make_test_pki(name)).first;
  return it->second;
}

} // namespace memoryd::test

// SHA-256 of imported files for their provenance, through OpenSSL's EVP
// digest interface (the one that picks the CPU's SHA extensions).
#include "nasrank/common/error.h"
#include "nasrank/store/import.h"

#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

namespace nasrank::store {
namespace {

class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
    NASRANK_CHECK(context_ && EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) == 1,
                  "OpenSSL could not start a SHA-256 digest");
  }

  void update(const void* data, std::size_t size) {
    NASRANK_CHECK(EVP_DigestUpdate(context_.get(), data, size) == 1, "OpenSSL SHA-256 update failed");
  }

  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    NASRANK_CHECK(EVP_DigestFinal_ex(context_.get(), digest, &length) == 1, "OpenSSL SHA-256 finalisation failed");
    std::string text;
    char digits[3];
    for (unsigned int i = 0; i < length; ++i) {
      std::snprintf(digits, sizeof digits, "%02x", digest[i]);
      text += digits;
    }
    return text;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context_;
};

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  return hash.hex();
}

std::string sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read '" + path.string() + "' to compute its SHA-256");
  Sha256 hash;
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    hash.update(buffer.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) throw InputError("error while reading '" + path.string() + "' to compute its SHA-256");
  return hash.hex();
}

}  // namespace nasrank::store

#pragma once
// Test helper: compresses bytes in memory with libbz2 / zlib, to build
// compressed inputs (and broken ones) without files.
#include <bzlib.h>
#include <zlib.h>

#include <stdexcept>
#include <string>

namespace nasrank::testing {

inline std::string bzip2_compress(const std::string& data) {
  unsigned int size = static_cast<unsigned int>(data.size() + data.size() / 100 + 600);
  std::string out(size, '\0');
  std::string input = data;
  if (BZ2_bzBuffToBuffCompress(out.data(), &size, input.data(), static_cast<unsigned int>(input.size()), 9, 0, 0) !=
      BZ_OK)
    throw std::runtime_error("bzip2 compression failed");
  out.resize(size);
  return out;
}

inline std::string gzip_compress(const std::string& data) {
  z_stream s{};
  if (deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2 failed");
  std::string out(deflateBound(&s, static_cast<uLong>(data.size())) + 32, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip compression failed");
  return out;
}

}  // namespace nasrank::testing

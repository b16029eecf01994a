#include "dataset/file_bytes.h"

#include "nasrank/io/stream.h"

namespace nasrank::dataset::detail {
namespace {
// Far above any real dataset file (the largest, a CIFAR pickle, is ~31 MB); a
// guard against decompression bombs, not a format limit.
constexpr std::uint64_t kMaxFileBytes = std::uint64_t{4} << 30;
}  // namespace

std::string FileBytes::at(std::uint64_t offset) const {
  return "byte " + std::to_string(offset) + (compressed ? " of the decompressed data" : "");
}

FileBytes read_file_bytes(const std::filesystem::path& path) {
  const auto stream = io::open_input(path);
  FileBytes result;
  result.compressed = stream->compression() != io::Compression::None;
  result.bytes = io::read_all(*stream, kMaxFileBytes);
  return result;
}

std::uint32_t big_endian_u32(const std::string& bytes, std::size_t offset) {
  const auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[offset + i]));
  };
  return (byte(0) << 24) | (byte(1) << 16) | (byte(2) << 8) | byte(3);
}

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

}  // namespace nasrank::dataset::detail

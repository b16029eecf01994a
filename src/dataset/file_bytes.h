#pragma once
// Whole-file reads for the dataset readers (the formats need random access to
// fixed-size records, and every real file fits in memory comfortably).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace nasrank::dataset::detail {

struct FileBytes {
  std::string bytes;        // decompressed content
  bool compressed = false;  // the file was gzip or bzip2
  // "byte N" or "byte N of the decompressed data", for error messages.
  std::string at(std::uint64_t offset) const;
};

// Reads a plain, gzip or bzip2 file (recognised by its magic bytes). Missing
// files and corrupt compressed data throw InputError naming the file.
FileBytes read_file_bytes(const std::filesystem::path& path);

std::uint32_t big_endian_u32(const std::string& bytes, std::size_t offset);

// "'<path>'" as the messages quote it.
std::string quoted(const std::filesystem::path& path);

}  // namespace nasrank::dataset::detail

#pragma once
// Shared by the libFuzzer targets. Each target feeds its input to one public
// reader the way the tool does. Bad input must end in nasrank::InputError;
// every other exception escapes LLVMFuzzerTestOneInput, aborts the process and
// is therefore reported by libFuzzer as a finding, like a crash or a
// sanitizer report.
#include "nasrank/common/error.h"

#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace nasrank::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A property the target checks itself (a round trip) did not hold.
[[noreturn]] inline void report_finding(const std::string& what) {
  std::fprintf(stderr, "nasrank fuzz finding: %s\n", what.c_str());
  std::abort();
}

// Runs `read` and swallows exactly InputError.
template <typename Read>
void expect_input_error_only(Read&& read) {
  try {
    read();
  } catch (const InputError&) {
  }
}

// A file for readers that only take a path: one per process and name (the
// suffix matters to readers that look at extensions or names), rewritten for
// every input and removed at exit. /dev/shm keeps it off the disk.
class ScratchFile {
 public:
  explicit ScratchFile(const std::string& file_name) {
    std::filesystem::path dir = "/dev/shm";
    if (!std::filesystem::is_directory(dir)) dir = std::filesystem::temp_directory_path();
    dir_ = dir / ("nasrank-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = dir_ / file_name;
  }
  ~ScratchFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
    std::filesystem::remove(dir_, ignored);  // only once it is empty
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  const std::filesystem::path& write(std::string_view bytes) const {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw std::runtime_error("cannot write the fuzz scratch file " + path_.string());
    return path_;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path dir_;
  std::filesystem::path path_;
};

// Two files packed into one input: a 4-byte little-endian length of the
// first file, the first file, then the second (tools/fuzz/make-corpus.sh
// writes seeds this way). False when the input is shorter than its own
// length field says.
inline bool split_two_files(std::string_view input, std::string_view& first, std::string_view& second) {
  if (input.size() < 4) return false;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(input[i])); };
  const std::uint32_t first_size = byte(0) | (byte(1) << 8) | (byte(2) << 16) | (byte(3) << 24);
  const std::string_view rest = input.substr(4);
  if (first_size > rest.size()) return false;
  first = rest.substr(0, first_size);
  second = rest.substr(first_size);
  return true;
}

}  // namespace nasrank::fuzz

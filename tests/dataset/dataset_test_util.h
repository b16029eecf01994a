#pragma once
// Helpers shared by the dataset tests: scratch directories, byte files and
// the fixtures' pixel pattern (see tests/data/dataset/make_fixtures.py).
#include "nasrank/common/error.h"
#include "test_paths.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace nasrank::testing {

inline std::filesystem::path dataset_fixtures() { return test_data_dir() / "dataset"; }

// (i * 31 + c * 7 + y * 3 + x) % 256, the pattern make_fixtures.py writes.
inline std::uint8_t fixture_pixel(int image, int channel, int y, int x) {
  return static_cast<std::uint8_t>((image * 31 + channel * 7 + y * 3 + x) % 256);
}

inline std::vector<std::uint8_t> fixture_images(int count, int channels, int height, int width) {
  std::vector<std::uint8_t> pixels;
  for (int i = 0; i < count; ++i)
    for (int c = 0; c < channels; ++c)
      for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) pixels.push_back(fixture_pixel(i, c, y, x));
  return pixels;
}

// CIFAR binary records: for record r, its label byte(s) then image r of the
// fixture pattern (3x32x32).
inline std::string cifar_records(const std::vector<std::vector<int>>& label_bytes) {
  std::string bytes;
  const std::vector<std::uint8_t> images = fixture_images(static_cast<int>(label_bytes.size()), 3, 32, 32);
  for (std::size_t r = 0; r < label_bytes.size(); ++r) {
    for (const int label : label_bytes[r]) bytes += static_cast<char>(label);
    bytes.append(reinterpret_cast<const char*>(images.data()) + r * 3072, 3072);
  }
  return bytes;
}

// A fresh directory removed (with its content) at scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("nasrank-dataset-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs `action`, expects an InputError whose message contains every piece.
template <typename Action>
void expect_input_error(Action&& action, const std::vector<std::string>& pieces) {
  try {
    action();
    ADD_FAILURE() << "expected an InputError containing '" << (pieces.empty() ? "" : pieces.front()) << "'";
  } catch (const nasrank::InputError& error) {
    const std::string message = error.what();
    for (const std::string& piece : pieces)
      EXPECT_NE(message.find(piece), std::string::npos) << "message: " << message << "\nmissing: " << piece;
  }
}

}  // namespace nasrank::testing

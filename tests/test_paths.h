#pragma once
// Where tests find data: the repository's own tests/data, and the read-only
// ../shared beside the checkout (absent on a bare fresh clone).
#include <cstdlib>
#include <filesystem>
#include <string>

namespace nasrank::testing {

inline std::filesystem::path source_dir() { return NASRANK_SOURCE_DIR; }
inline std::filesystem::path binary_dir() { return NASRANK_BINARY_DIR; }
inline std::filesystem::path test_data_dir() { return source_dir() / "tests" / "data"; }
inline std::filesystem::path cli_path() { return binary_dir() / "nasrank"; }

// ../shared/data/nb201, or NASRANK_SHARED_DIR/data/nb201 when set.
inline std::filesystem::path shared_nb201_dir() {
  const char* env = std::getenv("NASRANK_SHARED_DIR");
  const std::filesystem::path shared = env ? std::filesystem::path(env) : source_dir().parent_path() / "shared";
  return shared / "data" / "nb201";
}

}  // namespace nasrank::testing

// Use at the top of a test that needs ../shared: skips with a clear message.
#define NASRANK_REQUIRE_SHARED_DATA()                                                                \
  do {                                                                                               \
    if (!std::filesystem::exists(::nasrank::testing::shared_nb201_dir()))                            \
      GTEST_SKIP() << "SKIPPED: needs the shared data at " << ::nasrank::testing::shared_nb201_dir() \
                   << " (../shared beside the checkout, or set NASRANK_SHARED_DIR)";                 \
  } while (false)

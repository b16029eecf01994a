#pragma once
// What the io tests share: the pickle fixtures of tests/data, a file's bytes,
// and the message of the InputError a call throws (input_error.h).
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "input_error.h"
#include "test_paths.h"

namespace nasrank::testing {

inline std::filesystem::path fixture(const std::string& name) { return test_data_dir() / "pickle" / name; }

inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace nasrank::testing

#include "worker_binary.h"

#include <cstdlib>

namespace nasrank::cli {

std::filesystem::path worker_binary_path() {
  if (const char* env = std::getenv("NASRANK_TORCH_BIN")) return env;
  return std::filesystem::read_symlink("/proc/self/exe").parent_path() / "nasrank-torch";
}

}  // namespace nasrank::cli

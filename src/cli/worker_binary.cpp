#include "worker_binary.h"

#include <cstdlib>
#include <system_error>
#include <thread>

namespace nasrank::cli {

std::filesystem::path worker_binary_path() {
  if (const char* env = std::getenv("NASRANK_TORCH_BIN")) return env;
  return std::filesystem::read_symlink("/proc/self/exe").parent_path() / "nasrank-torch";
}

namespace {

// `nasrank` does not load LibTorch, so it cannot ask CUDA; the NVIDIA driver's
// proc entry is what a CUDA LibTorch would find too.
bool nvidia_driver_present() {
  std::error_code ec;
  return std::filesystem::exists("/proc/driver/nvidia/version", ec);
}

}  // namespace

int default_workers(const std::string& device) {
  if (device == "cuda" || (device == "auto" && nvidia_driver_present())) return 1;
  // On the CPU, one single-threaded worker per core trains 1.28x more images/s
  // than one worker using both cores (bench/run_train_bench.sh on this 2-core
  // VM: 504 vs 394 images/s over the ten-cell mix): small NAS-Bench-201
  // layers leave intra-op threads waiting at every barrier.
  return static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
}

}  // namespace nasrank::cli

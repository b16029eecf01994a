// Process-wide settings of a training program (see process.h). Only ATen's
// thread API is needed here, not the whole of torch/torch.h.
#include "nasrank/train/process.h"

#include "nasrank/common/error.h"

#include <ATen/Parallel.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace nasrank::train {

void restart_with_passive_openmp_wait() {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> args;
  for (std::string arg; std::getline(cmdline, arg, '\0');) args.push_back(arg);
  if (args.empty()) return;
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  execv("/proc/self/exe", argv.data());
  // Still here: the restart failed; carry on with the spinning default.
}

int configure_process(int threads) {
  static std::once_flag malloc_once;
  std::call_once(malloc_once, [] {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  });
  if (threads < 0)
    throw InputError("threads = " + std::to_string(threads) + ": must be >= 0 (0 = every hardware thread)");
  if (threads == 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (at::get_num_threads() != threads) at::set_num_threads(threads);
  return at::get_num_threads();
}

}  // namespace nasrank::train

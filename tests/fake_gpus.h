#pragma once
// GPU placement tested without a GPU: a scratch folder stands in for the
// driver's /proc/driver/nvidia/gpus ($NASRANK_NVIDIA_GPUS_DIR), and
// CUDA_VISIBLE_DEVICES is set as Slurm would set it, each for one scope.
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace nasrank::testing {

// Sets (or, given nothing, unsets) an environment variable until the end of
// the scope, then puts back what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      setenv(name, value->c_str(), 1);
    else
      unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// Makes `dir` a driver folder of `gpus` GPUs: the driver names one folder per
// GPU by its PCI address.
inline void make_fake_driver_dir(const std::filesystem::path& dir, int gpus) {
  std::filesystem::create_directories(dir);
  for (int k = 0; k < gpus; ++k)
    std::filesystem::create_directories(dir / ("0000:" + std::to_string(10 + k) + ":00.0"));
}

}  // namespace nasrank::testing

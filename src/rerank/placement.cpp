#include "nasrank/rerank/placement.h"

#include "nasrank/common/error.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <system_error>

namespace nasrank::rerank {
namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

bool all_digits(const std::string& text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

std::string nvidia_gpus_dir() {
  if (const char* hook = std::getenv("NASRANK_NVIDIA_GPUS_DIR"); hook && *hook) return hook;
  return "/proc/driver/nvidia/gpus";
}

GpuInventory visible_gpus() {
  const std::filesystem::path dir = nvidia_gpus_dir();
  std::optional<std::size_t> driver_gpus;
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) {
    std::size_t count = 0;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) ++count;
    driver_gpus = count;
  }
  GpuInventory inventory = visible_gpus(driver_gpus, std::getenv("CUDA_VISIBLE_DEVICES"));
  if (!driver_gpus) inventory.source = "no NVIDIA driver (" + dir.string() + " does not exist)";
  return inventory;
}

GpuInventory visible_gpus(std::optional<std::size_t> driver_gpus, const char* cuda_visible_devices) {
  GpuInventory inventory;
  if (!driver_gpus) {
    inventory.source = "no NVIDIA driver";
    return inventory;
  }
  const std::string driver = "the NVIDIA driver lists " + plural(*driver_gpus, "GPU");
  if (*driver_gpus == 0) {
    inventory.source = driver;
    return inventory;
  }
  if (cuda_visible_devices == nullptr) {
    for (std::size_t k = 0; k < *driver_gpus; ++k) inventory.devices.push_back(std::to_string(k));
    inventory.source = driver;
    return inventory;
  }
  const std::string listed = cuda_visible_devices;
  std::set<std::string> seen;
  std::size_t start = 0;
  while (start <= listed.size()) {
    const std::size_t comma = std::min(listed.find(',', start), listed.size());
    const std::string entry = trim(listed.substr(start, comma - start));
    const bool uuid = entry.rfind("GPU-", 0) == 0 || entry.rfind("MIG-", 0) == 0;
    const bool index = all_digits(entry) && entry.size() < 10 && std::stoul(entry) < *driver_gpus;
    if ((!uuid && !index) || !seen.insert(index ? std::to_string(std::stoul(entry)) : entry).second) break;
    inventory.devices.push_back(entry);
    start = comma + 1;
  }
  inventory.source = driver + "; CUDA_VISIBLE_DEVICES='" + listed + "' leaves " +
                     (inventory.devices.empty() ? "none" : joined(inventory.devices));
  return inventory;
}

WorkerPlacement place_workers(const ExecutionOptions& options, const GpuInventory& gpus, int cores) {
  if (options.device != "auto" && options.device != "cpu" && options.device != "cuda")
    throw InputError("device '" + options.device + "': expected auto, cpu or cuda");
  if (options.workers < 0) throw InputError("--workers " + std::to_string(options.workers) + ": must be at least 1");
  if (options.workers_per_gpu < 0)
    throw InputError("--workers-per-gpu " + std::to_string(options.workers_per_gpu) + ": must be at least 1");
  if (options.threads < 0) throw InputError("--threads " + std::to_string(options.threads) + ": must be at least 1");
  if (options.workers > 0 && options.workers_per_gpu > 0)
    throw InputError("--workers " + std::to_string(options.workers) + " and --workers-per-gpu " +
                     std::to_string(options.workers_per_gpu) + " both given: give one (--workers is the total)");
  if (options.device == "cpu" && options.workers_per_gpu > 0)
    throw InputError("--workers-per-gpu " + std::to_string(options.workers_per_gpu) +
                     " with --device cpu: there is no GPU to share; use --workers for CPU workers");
  const bool use_gpus = options.device == "cuda" || (options.device == "auto" && !gpus.devices.empty());
  if (options.device == "cuda" && gpus.devices.empty())
    throw InputError("--device cuda, but no GPU is visible: " + gpus.source +
                     " (use --device cpu or auto on a machine without GPUs)");

  WorkerPlacement placement;
  if (!use_gpus) {
    // One single-threaded worker per core beats one worker using every core
    // on small NAS-Bench-201 layers, whose intra-op threads wait at every
    // barrier (bench/run_procs_bench.sh, docs/performance.md).
    const int workers = options.workers > 0 ? options.workers : std::max(1, cores);
    placement.cuda_visible_devices.assign(static_cast<std::size_t>(workers), std::nullopt);
    return placement;
  }
  const std::size_t n = gpus.devices.size();
  const std::size_t per_gpu = static_cast<std::size_t>(std::max(1, options.workers_per_gpu));
  const std::size_t workers = options.workers > 0 ? static_cast<std::size_t>(options.workers) : n * per_gpu;
  // Round robin rather than blocks: when a re-rank has fewer runs left than
  // workers, the first workers started still cover every GPU.
  for (std::size_t k = 0; k < workers; ++k) placement.cuda_visible_devices.emplace_back(gpus.devices[k % n]);
  return placement;
}

}  // namespace nasrank::rerank

#pragma once
// Where the worker processes of a re-rank or lr-search run: how many, and
// which GPU each one may see. `nasrank` never loads LibTorch, so it cannot ask
// CUDA; it reads what CUDA itself would find (the NVIDIA driver's GPU list,
// narrowed by CUDA_VISIBLE_DEVICES) and gives every worker its own
// CUDA_VISIBLE_DEVICES, so that each worker's "cuda:0" is a different GPU.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace nasrank::rerank {

// The execution options `rerank` and `lr-search` share.
struct ExecutionOptions {
  std::string device = "auto";  // auto, cpu or cuda
  int workers = 0;          // worker processes; 0: one per visible GPU x workers_per_gpu, or one per core on the CPU
  int workers_per_gpu = 0;  // 0: 1 (on GPUs only; an error with device cpu)
  int threads = 0;          // intra-op threads per worker; 0: cores / workers
};

// The GPUs a child of this process can be given, as CUDA_VISIBLE_DEVICES
// entries (indices or GPU-/MIG- UUIDs), in CUDA's order.
struct GpuInventory {
  std::vector<std::string> devices;
  std::string source;  // how they were found, for messages
};

// The driver's folder of GPUs (one entry per GPU). $NASRANK_NVIDIA_GPUS_DIR
// replaces it: the hook the placement tests use on machines without a GPU.
std::string nvidia_gpus_dir();

// This machine's GPUs: the entries of nvidia_gpus_dir(), narrowed by the
// CUDA_VISIBLE_DEVICES of this process when it is set (Slurm sets it).
GpuInventory visible_gpus();

// The same from the driver's GPU count (nullopt: no driver) and the value of
// CUDA_VISIBLE_DEVICES (nullptr: unset). Like CUDA, the list ends at its first
// entry that is not a device (empty, negative, out of range, repeated, or
// neither an index nor a GPU-/MIG- UUID, e.g. Slurm's "NoDevFiles").
GpuInventory visible_gpus(std::optional<std::size_t> driver_gpus, const char* cuda_visible_devices);

struct WorkerPlacement {
  // One entry per worker: the CUDA_VISIBLE_DEVICES it is started with, or
  // nullopt for a CPU worker (environment inherited unchanged).
  std::vector<std::optional<std::string>> cuda_visible_devices;
  bool on_gpus() const { return !cuda_visible_devices.empty() && cuda_visible_devices.front().has_value(); }
  int size() const { return static_cast<int>(cuda_visible_devices.size()); }
};

// On GPUs (device cuda, or auto with at least one visible GPU): worker k sees
// GPU k mod n only, so workers_per_gpu x n workers put K on each GPU, and an
// explicit worker count spreads as evenly as it can. On the CPU: `workers`,
// else one per core (`cores`). InputError for device cuda with no visible GPU,
// for workers_per_gpu with device cpu, for workers and workers_per_gpu both
// given, and for counts below 0.
WorkerPlacement place_workers(const ExecutionOptions& options, const GpuInventory& gpus, int cores);

}  // namespace nasrank::rerank

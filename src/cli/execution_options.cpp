#include "execution_options.h"

#include "cli_common.h"

namespace nasrank::cli {

void add_execution_options(CLI::App& command, ExecutionFlags& f, const std::string& store_help) {
  command.add_option("--store", f.store, store_help);
  command.add_option("--shard", f.shard, "This part i/n of the work (cluster array task)")->default_val("0/1");
  command.add_option("--device", f.device, "auto, cpu or cuda (auto: the GPUs when the NVIDIA driver shows any)")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->default_val("auto");
  command
      .add_option("--workers", f.workers,
                  "Worker processes (default: one per visible GPU x --workers-per-gpu, else one per core); on GPUs "
                  "worker k gets GPU k mod n as its CUDA_VISIBLE_DEVICES")
      ->check(whole_number(1, 4096));
  command
      .add_option("--workers-per-gpu", f.workers_per_gpu,
                  "Workers sharing each GPU, for networks too small to fill one (default 1)")
      ->check(whole_number(1, 64));
  command.add_option("--threads", f.threads, "Threads per worker (default: cores / workers)")
      ->check(whole_number(1, 4096));
}

rerank::ExecutionOptions to_execution(const ExecutionFlags& f) {
  rerank::ExecutionOptions o;
  o.device = f.device;
  o.workers = f.workers;
  o.workers_per_gpu = f.workers_per_gpu;
  o.threads = f.threads;
  return o;
}

}  // namespace nasrank::cli

// `rerank` and `lr-search` place their workers on GPUs, tested without a GPU:
// a scratch folder stands in for the driver's /proc/driver/nvidia/gpus
// ($NASRANK_NVIDIA_GPUS_DIR) and a shell script stands in for nasrank-torch
// ($NASRANK_TORCH_BIN). The script records the CUDA_VISIBLE_DEVICES and the
// arguments it was started with and answers every job with an error, so the
// runs end as failed without training.
#include "fake_gpus.h"
#include "rerank_test_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace nasrank::testing {
namespace {

const nlohmann::json kFixedRate = {{"fixed", 0.05}};

// A machine with `gpus` GPUs as the placement sees it, and a fake worker.
class FakeGpuMachine {
 public:
  FakeGpuMachine(const ScratchDir& dir, int gpus)
      : driver_(dir / "nvidia-gpus"),
        worker_(dir / "fake-nasrank-torch"),
        log_(dir / "workers-started.txt"),
        hook_("NASRANK_NVIDIA_GPUS_DIR", driver_.string()),
        binary_("NASRANK_TORCH_BIN", worker_.string()),
        log_env_("NASRANK_FAKE_WORKER_LOG", log_.string()) {
    make_fake_driver_dir(driver_, gpus);
    std::ofstream(worker_)
        << "#!/bin/sh\n"
           "echo \"${CUDA_VISIBLE_DEVICES-unset} $*\" >> \"$NASRANK_FAKE_WORKER_LOG\"\n"
           "while IFS= read -r job; do\n"
           "  id=$(printf '%s\\n' \"$job\" | sed -n 's/.*\"id\":\\([0-9]*\\),\"protocol\".*/\\1/p')\n"
           "  printf '{\"event\":\"error\",\"id\":%s,\"message\":\"fake worker\"}\\n' \"$id\"\n"
           "done\n";
    fs::permissions(worker_, fs::perms::owner_all);
  }
  // "<CUDA_VISIBLE_DEVICES> worker --threads T --device D" per started worker, sorted.
  std::vector<std::string> started() const {
    std::vector<std::string> lines;
    std::ifstream in(log_);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    std::sort(lines.begin(), lines.end());
    return lines;
  }

 private:
  fs::path driver_, worker_, log_;
  ScopedEnv hook_, binary_, log_env_;
};

std::string threads_for(int workers) {
  return std::to_string(std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / workers));
}

std::vector<std::string> rerank_on(const ScratchDir& dir, const std::vector<std::string>& execution) {
  const fs::path protocol = tiny_protocol(dir.path(), "tiny", kFixedRate, {1, 2, 3});
  std::vector<std::string> args{"rerank",
                                "--arch",
                                kIsoA,
                                "--arch",
                                kConvChain,
                                "--protocol",
                                protocol.string(),
                                "--dataset",
                                "synthetic",
                                "--store",
                                (dir / "runs.h5").string(),
                                "--no-report"};
  args.insert(args.end(), execution.begin(), execution.end());
  return args;
}

TEST(CliGpuPlacement, RerankStartsOneWorkerPerGpuEachSeeingItsOwn) {
  ScratchDir dir;
  FakeGpuMachine machine(dir, 3);
  ScopedEnv unset("CUDA_VISIBLE_DEVICES", std::nullopt);
  const CliResult r = run_cli(rerank_on(dir, {"--device", "cuda"}));
  // Every run is answered with the fake worker's error: failed, exit 1.
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("6 failed"), std::string::npos) << r.out;
  const std::string t = threads_for(3);
  EXPECT_EQ(machine.started(), (std::vector<std::string>{"0 worker --threads " + t + " --device cuda",
                                                         "1 worker --threads " + t + " --device cuda",
                                                         "2 worker --threads " + t + " --device cuda"}));
}

TEST(CliGpuPlacement, WorkersPerGpuAndAnExplicitCountShareTheGpusRoundRobin) {
  {
    ScratchDir dir;
    FakeGpuMachine machine(dir, 2);
    ScopedEnv unset("CUDA_VISIBLE_DEVICES", std::nullopt);
    run_cli(rerank_on(dir, {"--workers-per-gpu", "2", "--threads", "1"}));  // device auto: the driver shows GPUs
    EXPECT_EQ(machine.started(),
              (std::vector<std::string>{"0 worker --threads 1 --device auto", "0 worker --threads 1 --device auto",
                                        "1 worker --threads 1 --device auto", "1 worker --threads 1 --device auto"}));
  }
  {
    ScratchDir dir;
    FakeGpuMachine machine(dir, 2);
    ScopedEnv unset("CUDA_VISIBLE_DEVICES", std::nullopt);
    run_cli(rerank_on(dir, {"--device", "cuda", "--workers", "3", "--threads", "1"}));
    EXPECT_EQ(machine.started(),
              (std::vector<std::string>{"0 worker --threads 1 --device cuda", "0 worker --threads 1 --device cuda",
                                        "1 worker --threads 1 --device cuda"}));
  }
}

TEST(CliGpuPlacement, GpusSlurmAllocatedAreTheOnlyOnesUsed) {
  ScratchDir dir;
  FakeGpuMachine machine(dir, 8);
  ScopedEnv slurm("CUDA_VISIBLE_DEVICES", std::string("3,6"));
  run_cli(rerank_on(dir, {"--device", "cuda", "--threads", "1"}));
  EXPECT_EQ(machine.started(),
            (std::vector<std::string>{"3 worker --threads 1 --device cuda", "6 worker --threads 1 --device cuda"}));
}

TEST(CliGpuPlacement, CpuWorkersInheritTheEnvironmentUnchanged) {
  ScratchDir dir;
  FakeGpuMachine machine(dir, 2);
  ScopedEnv inherited("CUDA_VISIBLE_DEVICES", std::string("1"));
  run_cli(rerank_on(dir, {"--device", "cpu", "--workers", "2", "--threads", "1"}));
  EXPECT_EQ(machine.started(),
            (std::vector<std::string>{"1 worker --threads 1 --device cpu", "1 worker --threads 1 --device cpu"}));
}

// Exit 2 and the reason, before a store or a worker exists.
void expect_refused(const ScratchDir& dir, const FakeGpuMachine& machine, const std::vector<std::string>& args,
                    const std::string& reason) {
  const CliResult r = run_cli(args);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find(reason), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "runs.h5"));
  EXPECT_TRUE(machine.started().empty());
}

TEST(CliGpuPlacement, CudaWithNoGpuAndContradictoryCountsAreRefused) {
  ScratchDir dir;
  FakeGpuMachine machine(dir, 0);
  ScopedEnv unset("CUDA_VISIBLE_DEVICES", std::nullopt);
  expect_refused(dir, machine, rerank_on(dir, {"--device", "cuda"}),
                 "error: --device cuda, but no GPU is visible: the NVIDIA driver lists 0 GPUs");
  expect_refused(dir, machine, rerank_on(dir, {"--device", "cpu", "--workers-per-gpu", "2"}),
                 "--workers-per-gpu 2 with --device cpu");
  expect_refused(dir, machine, rerank_on(dir, {"--workers", "2", "--workers-per-gpu", "2"}), "both given");
  expect_refused(dir, machine, rerank_on(dir, {"--workers-per-gpu", "0"}), "--workers-per-gpu");
}

TEST(CliGpuPlacement, CudaWithEveryGpuHiddenIsRefused) {
  ScratchDir dir;
  FakeGpuMachine machine(dir, 2);
  ScopedEnv hidden("CUDA_VISIBLE_DEVICES", std::string(""));
  expect_refused(dir, machine, rerank_on(dir, {"--device", "cuda"}),
                 "the NVIDIA driver lists 2 GPUs; CUDA_VISIBLE_DEVICES='' leaves none");
}

TEST(CliGpuPlacement, LrSearchPlacesItsWorkersTheSameWay) {
  ScratchDir dir;
  FakeGpuMachine machine(dir, 2);
  ScopedEnv unset("CUDA_VISIBLE_DEVICES", std::nullopt);
  const fs::path protocol =
      tiny_protocol(dir.path(), "tiny-search", {{"scaler", {{"base_lr", 0.5}, {"convention", "dag-reference"}}}}, {1},
                    {{"network", {{"channels", 8}, {"dag_network", "mlp"}}},
                     {"initialization", "principled"},
                     {"augmentation", false},
                     {"epochs", 1},
                     {"schedule", {{"type", "constant"}}}});
  const CliResult r = run_cli({"lr-search",
                               "--space",
                               "dag",
                               "--arch",
                               "dag:1_01_001_0002",
                               "--arch",
                               "dag:2_22_222_2222",
                               "--protocol",
                               protocol.string(),
                               "--dataset",
                               "synthetic",
                               "--grid",
                               "0.01,0.1,1",
                               "--device",
                               "cuda",
                               "--workers-per-gpu",
                               "2",
                               "--threads",
                               "1",
                               "--store",
                               (dir / "runs.h5").string(),
                               "--no-report"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(machine.started(),
            (std::vector<std::string>{"0 worker --threads 1 --device cuda", "0 worker --threads 1 --device cuda",
                                      "1 worker --threads 1 --device cuda", "1 worker --threads 1 --device cuda"}));
  const CliResult refused = run_cli({"lr-search", "--space", "dag", "--arch", "dag:1_01_001_0002", "--protocol",
                                     protocol.string(), "--dataset", "synthetic", "--grid", "0.01,0.1,1", "--device",
                                     "cpu", "--workers-per-gpu", "2", "--store", (dir / "other.h5").string()});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("--workers-per-gpu 2 with --device cpu"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace nasrank::testing

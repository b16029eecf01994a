// Which GPU each worker process sees, decided without a GPU: the driver's
// folder is a scratch directory ($NASRANK_NVIDIA_GPUS_DIR) and
// CUDA_VISIBLE_DEVICES is set as Slurm would set it.
#include "nasrank/common/error.h"
#include "fake_gpus.h"
#include "nasrank/rerank/placement.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nasrank::rerank {
namespace {

namespace fs = std::filesystem;

using Devices = std::vector<std::optional<std::string>>;

Devices gpus(std::initializer_list<const char*> names) {
  Devices out;
  for (const char* name : names) out.emplace_back(name);
  return out;
}

GpuInventory inventory(std::vector<std::string> devices) { return GpuInventory{std::move(devices), "test"}; }

ExecutionOptions on(const std::string& device, int workers = 0, int workers_per_gpu = 0) {
  ExecutionOptions o;
  o.device = device;
  o.workers = workers;
  o.workers_per_gpu = workers_per_gpu;
  return o;
}

std::string refusal(const ExecutionOptions& o, const GpuInventory& g) {
  try {
    place_workers(o, g, 2);
  } catch (const InputError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(VisibleGpus, TheDriversGpusInOrderWhenCudaVisibleDevicesIsUnset) {
  EXPECT_EQ(visible_gpus(4, nullptr).devices, (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_TRUE(visible_gpus(0, nullptr).devices.empty());
  EXPECT_TRUE(visible_gpus(std::nullopt, nullptr).devices.empty());
  EXPECT_NE(visible_gpus(std::nullopt, nullptr).source.find("no NVIDIA driver"), std::string::npos);
}

TEST(VisibleGpus, CudaVisibleDevicesNarrowsThemAsCudaDoes) {
  // What Slurm sets for a task given GPUs 2 and 3 of a 4-GPU node.
  EXPECT_EQ(visible_gpus(4, "2,3").devices, (std::vector<std::string>{"2", "3"}));
  EXPECT_EQ(visible_gpus(4, "GPU-8f1c,MIG-1a2b").devices, (std::vector<std::string>{"GPU-8f1c", "MIG-1a2b"}));
  // CUDA stops at the first entry that is not a device.
  EXPECT_EQ(visible_gpus(4, "1,-1,2").devices, (std::vector<std::string>{"1"}));
  EXPECT_EQ(visible_gpus(4, "1,7,2").devices, (std::vector<std::string>{"1"}));
  EXPECT_EQ(visible_gpus(4, "3,3").devices, (std::vector<std::string>{"3"}));
  EXPECT_TRUE(visible_gpus(4, "").devices.empty());
  EXPECT_TRUE(visible_gpus(4, "NoDevFiles").devices.empty());
  EXPECT_NE(visible_gpus(4, "").source.find("CUDA_VISIBLE_DEVICES='' leaves none"), std::string::npos)
      << visible_gpus(4, "").source;
  // Without a driver the variable shows nothing: no GPU behind it.
  EXPECT_TRUE(visible_gpus(std::nullopt, "0,1").devices.empty());
}

using nasrank::testing::ScopedEnv;

TEST(VisibleGpus, ReadsTheDriversFolderOrItsStandIn) {
  const fs::path dir = fs::temp_directory_path() / ("nasrank_fake_gpus_" + std::to_string(getpid()));
  fs::remove_all(dir);
  nasrank::testing::make_fake_driver_dir(dir, 3);
  {
    ScopedEnv hook("NASRANK_NVIDIA_GPUS_DIR", dir.c_str());
    ScopedEnv unset("CUDA_VISIBLE_DEVICES", std::nullopt);
    EXPECT_EQ(nvidia_gpus_dir(), dir.string());
    EXPECT_EQ(visible_gpus().devices, (std::vector<std::string>{"0", "1", "2"}));
    ScopedEnv slurm("CUDA_VISIBLE_DEVICES", "2");
    EXPECT_EQ(visible_gpus().devices, (std::vector<std::string>{"2"}));
  }
  {
    ScopedEnv hook("NASRANK_NVIDIA_GPUS_DIR", (dir / "absent").c_str());
    const GpuInventory none = visible_gpus();
    EXPECT_TRUE(none.devices.empty());
    EXPECT_NE(none.source.find((dir / "absent").string() + " does not exist"), std::string::npos) << none.source;
  }
  fs::remove_all(dir);
  ScopedEnv unhooked("NASRANK_NVIDIA_GPUS_DIR", std::nullopt);
  EXPECT_EQ(nvidia_gpus_dir(), "/proc/driver/nvidia/gpus");
}

TEST(PlaceWorkers, OneWorkerPerVisibleGpuByDefault) {
  for (const std::string device : {"cuda", "auto"}) {
    const WorkerPlacement p = place_workers(on(device), inventory({"0", "1", "2", "3"}), 2);
    EXPECT_EQ(p.cuda_visible_devices, gpus({"0", "1", "2", "3"})) << device;
    EXPECT_TRUE(p.on_gpus());
  }
  // Slurm gave this task GPUs 5 and 7: each worker sees one of them.
  EXPECT_EQ(place_workers(on("cuda"), visible_gpus(8, "5,7"), 2).cuda_visible_devices, gpus({"5", "7"}));
}

TEST(PlaceWorkers, WorkersPerGpuPacksSeveralOnEachGpu) {
  const WorkerPlacement p = place_workers(on("cuda", 0, 3), inventory({"0", "1"}), 2);
  EXPECT_EQ(p.cuda_visible_devices, gpus({"0", "1", "0", "1", "0", "1"}));
}

TEST(PlaceWorkers, AnExplicitWorkerCountSpreadsOverTheGpus) {
  EXPECT_EQ(place_workers(on("cuda", 3), inventory({"0", "1"}), 2).cuda_visible_devices, gpus({"0", "1", "0"}));
  EXPECT_EQ(place_workers(on("cuda", 1), inventory({"0", "1"}), 2).cuda_visible_devices, gpus({"0"}));
  EXPECT_EQ(place_workers(on("auto", 2), inventory({"GPU-8f1c"}), 2).cuda_visible_devices,
            gpus({"GPU-8f1c", "GPU-8f1c"}));
}

TEST(PlaceWorkers, OnTheCpuOneWorkerPerCoreAndTheEnvironmentUntouched) {
  const WorkerPlacement cpu = place_workers(on("cpu"), inventory({"0", "1"}), 6);
  EXPECT_EQ(cpu.cuda_visible_devices, Devices(6, std::nullopt));
  EXPECT_FALSE(cpu.on_gpus());
  EXPECT_EQ(place_workers(on("auto"), inventory({}), 2).cuda_visible_devices, Devices(2, std::nullopt));
  EXPECT_EQ(place_workers(on("auto", 5), inventory({}), 2).size(), 5);
  // The same command line runs on CPU nodes: a GPU packing with no GPU is moot.
  EXPECT_EQ(place_workers(on("auto", 0, 4), inventory({}), 2).cuda_visible_devices, Devices(2, std::nullopt));
}

TEST(PlaceWorkers, CudaWithoutAVisibleGpuIsAClearError) {
  const std::string no_driver = refusal(on("cuda"), visible_gpus(std::nullopt, nullptr));
  EXPECT_NE(no_driver.find("--device cuda, but no GPU is visible: no NVIDIA driver"), std::string::npos) << no_driver;
  const std::string hidden = refusal(on("cuda"), visible_gpus(2, ""));
  EXPECT_NE(hidden.find("CUDA_VISIBLE_DEVICES='' leaves none"), std::string::npos) << hidden;
  EXPECT_NE(hidden.find("the NVIDIA driver lists 2 GPUs"), std::string::npos) << hidden;
}

TEST(PlaceWorkers, ContradictoryOptionsAreRefused) {
  EXPECT_NE(refusal(on("cuda", 4, 2), inventory({"0"})).find("both given"), std::string::npos);
  EXPECT_NE(refusal(on("cpu", 0, 2), inventory({"0"})).find("--workers-per-gpu 2 with --device cpu"),
            std::string::npos);
  EXPECT_NE(refusal(on("gpu"), inventory({"0"})).find("device 'gpu'"), std::string::npos);
  EXPECT_NE(refusal(on("cuda", -1), inventory({"0"})).find("--workers -1"), std::string::npos);
}

}  // namespace
}  // namespace nasrank::rerank

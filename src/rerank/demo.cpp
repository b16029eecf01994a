#include "nasrank/rerank/demo.h"

#include "child_process.h"
#include "nasrank/common/error.h"
#include "nasrank/rerank/plan.h"

#include <unistd.h>

namespace nasrank::rerank {

DemoPlan demo_plan() {
  DemoPlan plan;
  // Spread over weak to strong cells: a seed-noise ceiling means something
  // only where the architectures differ by more than seed noise.
  plan.archs = nb201_sample_across_conv_counts(plan.sample, plan.sample_seed);
  plan.store = plan.dir / "runs.h5";
  plan.report_dir = plan.dir;
  plan.calibration = plan.dir / "calibration-fashion-mnist-demo.json";
  return plan;
}

std::string describe_demo(const DemoPlan& plan) {
  return std::to_string(plan.sample) + " NAS-Bench-201 cells with 0 to 6 convolutions (sample seed " +
         std::to_string(plan.sample_seed) +
         ") on Fashion-MNIST, protocols demo-benchmark and demo-principled, seeds 1 and 2";
}

void prepare_demo(const DemoPlan& plan, const std::filesystem::path& worker_binary,
                  const std::function<void(const std::string&)>& log) {
  std::filesystem::create_directories(plan.dir);
  if (plan.calibration.empty()) return;
  const std::string calibration = plan.calibration.string();
  if (std::filesystem::exists(plan.calibration)) {
    if (log) log("reusing the calibration in " + calibration);
    return;
  }
  if (log) log("calibrating the base learning rate on fashion-mnist (cached in " + calibration + ")");
  // One seed: the demo's ten minutes cannot afford the protocol's two.
  const std::vector<std::string> args{"calibrate", "--dataset", "fashion-mnist", "--protocol", "demo-principled",
                                      "--seeds",   "1",         "--out",         calibration};
  ChildStreams streams;
  streams.out = STDERR_FILENO;
  const pid_t child =
      start_child(worker_binary, args, streams, "demo calibration: cannot start '" + worker_binary.string() + "': ");
  if (exit_code_of(wait_child(child)) != 0)
    throw IoError("demo calibration failed: " + worker_binary.string() +
                  " calibrate --dataset fashion-mnist "
                  "--protocol demo-principled --seeds 1 --out " +
                  calibration + " (its message is above)");
}

ComparisonOptions rerank_comparison_options(bool demo) {
  ComparisonOptions options;
  options.analysis.bootstrap.resamples = 1000;
  options.analysis.bootstrap.threads = 2;
  options.analysis.top_k = demo ? 5 : 10;
  return options;
}

}  // namespace nasrank::rerank

// Training-step throughput of nasrank's trainer, printed in the same JSON
// lines as bench/train_peer.py so bench/run_train_bench.sh can put the two
// side by side: NAS-Bench-201 networks, SGD (lr 0.1, Nesterov momentum 0.9,
// weight decay 5e-4), cross-entropy, one fixed random batch.
//
//   bench_train --arch '|nor_conv_3x3~0|+...' ... [--threads 2] [--batch 256]
//               [--steps 5] [--warmup 2] [--repeats 1] [--every-edge] [--nchw] [--sgemm]
#include "nasrank/cell/encoding.h"
#include "nasrank/train/cost.h"
#include "nasrank/train/process.h"
#include "nasrank/train/trainer.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <iostream>

int main(int argc, char** argv) {
  using namespace nasrank;
  CLI::App app{"nasrank training-step throughput (see bench/run_train_bench.sh)"};
  std::vector<std::string> archs;
  int threads = 2;
  int batch = 256;
  int steps = 5;
  int warmup = 2;
  int repeats = 1;
  int channels = 16;
  int cells_per_stage = 5;
  int in_channels = 3;
  int size = 32;
  int classes = 10;
  std::uint64_t seed = 1;
  bool every_edge = false;
  bool sgemm = false;
  bool nchw = false;
  app.add_option("--arch", archs, "Architecture encodings (arch strings, indices, codes)");
  app.add_option("--threads", threads, "Intra-op threads");
  app.add_option("--batch", batch, "Batch size");
  app.add_option("--steps", steps, "Timed steps per architecture");
  app.add_option("--warmup", warmup, "Untimed steps first");
  app.add_option("--repeats", repeats, "Time --steps steps this many times, keep the fastest");
  app.add_option("--channels", channels, "C");
  app.add_option("--cells-per-stage", cells_per_stage, "N");
  app.add_option("--in-channels", in_channels, "Image channels");
  app.add_option("--size", size, "Image height and width");
  app.add_option("--classes", classes, "Classes");
  app.add_option("--seed", seed, "Seed of weights and batch");
  app.add_flag("--every-edge", every_edge, "Build and compute every edge as the benchmark does (no pruning)");
  app.add_flag("--nchw", nchw, "Keep activations NCHW (nasrank's default on the CPU is channels-last)");
  app.add_flag("--sgemm", sgemm, "Also measure the sgemm peak through torch::mm");
  CLI11_PARSE(app, argc, argv);
  // As `nasrank train` runs (see process.h); OMP_WAIT_POLICY=ACTIVE in the
  // environment measures the spinning default instead.
  train::restart_with_passive_openmp_wait();

  const int used_threads = train::configure_process(threads);
  train::Protocol protocol;
  protocol.batch_size = batch;
  protocol.learning_rate.fixed = 0.1;
  train::NetworkSpec spec;
  spec.channels = channels;
  spec.cells_per_stage = cells_per_stage;
  spec.input_channels = in_channels;
  spec.input_height = size;
  spec.input_width = size;
  spec.num_classes = classes;
  train::RuntimeOptions runtime;
  runtime.device = train::Device::Cpu;
  runtime.channels_last = !nchw;
  runtime.edges = every_edge ? train::EdgeBuild::EveryEdge : train::EdgeBuild::Pruned;

  double total_seconds = 0.0;
  std::int64_t total_images = 0;
  for (const std::string& arch : archs) {
    const cell::CellGraph graph = cell::parse_encoding(arch);
    const train::StepBenchmark b =
        train::benchmark_training_steps(graph, spec, protocol, warmup, steps, repeats, seed, runtime);
    const train::NetworkCost cost = train::network_cost(graph, spec);
    total_seconds += b.seconds;
    total_images += b.images;
    // A training step costs about 3x the forward multiply-adds (forward,
    // input gradients, weight gradients), 2 FLOPs each.
    const double computed_mflops = every_edge ? cost.benchmark.flops_m() : cost.built.flops_m();
    std::cout << nlohmann::json{{"tool", "nasrank"},
                                {"arch", arch},
                                {"seconds", b.seconds},
                                {"cpu_seconds", b.cpu_seconds},
                                {"images_per_second", b.images_per_second},
                                {"forward_mflops", computed_mflops},
                                {"benchmark_forward_mflops", cost.benchmark.flops_m()},
                                {"step_gflops_per_second", b.images_per_second * computed_mflops * 6.0 / 1e3}}
                     .dump()
              << std::endl;
  }
  nlohmann::json summary{{"tool", "nasrank"},  {"summary", true},          {"cells", archs.size()},
                         {"threads", used_threads}, {"batch", batch},   {"steps", steps},
                         {"seconds", total_seconds}, {"every_edge", every_edge},
                         {"channels_last", !nchw}};
  if (total_seconds > 0) summary["images_per_second"] = static_cast<double>(total_images) / total_seconds;
  if (sgemm) summary["sgemm_gflops"] = train::measure_sgemm_gflops(1024, 10);
  std::cout << summary.dump() << std::endl;
  return 0;
}

// Training-step throughput of nasrank's trainer, printed in the same JSON
// lines as bench/train_peer.py so bench/run_train_bench.sh can put the two
// side by side: NAS-Bench-201 networks, SGD (lr 0.1, Nesterov momentum 0.9,
// weight decay 5e-4), cross-entropy, one fixed random batch.
//
//   bench_train --arch '|nor_conv_3x3~0|+...' ... [--threads 2] [--batch 256]
//               [--steps 5] [--warmup 2] [--repeats 1] [--every-edge] [--nchw] [--sgemm]
//               [--fusion auto|fused|separate] [--compare-fusion ROUNDS]
//
// --compare-fusion times --fusion's mode against separate conv edges
// (network.h, ConvFusion) in this one process: ROUNDS rounds, each timing every cell
// once per mode (repeats 1, the modes' order alternating between rounds),
// and prints per cell and over the mix the median images/s of each mode,
// their ratio and the rounds' spread (min..max of the per-round ratios).
#include "nasrank/cell/encoding.h"
#include "nasrank/train/cost.h"
#include "nasrank/train/process.h"
#include "nasrank/train/trainer.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <iostream>

namespace {

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

int compare_fusion(const std::vector<std::string>& archs, const nasrank::train::NetworkSpec& spec,
                   const nasrank::train::Protocol& protocol, nasrank::train::RuntimeOptions runtime, int warmup,
                   int steps, int rounds, std::uint64_t seed) {
  using namespace nasrank;
  const train::ConvFusion modes[2] = {runtime.fusion, train::ConvFusion::Separate};
  // [arch][mode][round]: seconds per image, wall and CPU (all threads; with
  // one thread the CPU time hides other load on the machine)
  std::vector<std::array<std::vector<double>, 2>> per_image(archs.size());
  std::vector<std::array<std::vector<double>, 2>> cpu_per_image(archs.size());
  std::vector<std::array<double, 2>> mix_seconds(static_cast<std::size_t>(rounds), {0.0, 0.0});
  for (int round = 0; round < rounds; ++round)
    for (std::size_t a = 0; a < archs.size(); ++a) {
      const cell::CellGraph graph = cell::parse_encoding(archs[a]);
      for (int k = 0; k < 2; ++k) {
        const int m = (k + round + static_cast<int>(a)) % 2;
        runtime.fusion = modes[m];
        const train::StepBenchmark b =
            train::benchmark_training_steps(graph, spec, protocol, warmup, steps, 1, seed, runtime);
        per_image[a][static_cast<std::size_t>(m)].push_back(b.seconds / static_cast<double>(b.images));
        cpu_per_image[a][static_cast<std::size_t>(m)].push_back(b.cpu_seconds / static_cast<double>(b.images));
        mix_seconds[static_cast<std::size_t>(round)][static_cast<std::size_t>(m)] +=
            b.seconds / static_cast<double>(b.images);
      }
    }
  auto ratios = [](const std::vector<double>& fused, const std::vector<double>& separate) {
    std::vector<double> out;
    for (std::size_t r = 0; r < fused.size(); ++r) out.push_back(separate[r] / fused[r]);
    return out;
  };
  for (std::size_t a = 0; a < archs.size(); ++a) {
    const std::vector<double> r = ratios(per_image[a][0], per_image[a][1]);
    std::cout << nlohmann::json{{"tool", "nasrank"},
                                {"arch", archs[a]},
                                {"fused_images_per_second", 1.0 / median(per_image[a][0])},
                                {"separate_images_per_second", 1.0 / median(per_image[a][1])},
                                {"speedup", median(per_image[a][1]) / median(per_image[a][0])},
                                {"speedup_min", *std::min_element(r.begin(), r.end())},
                                {"speedup_max", *std::max_element(r.begin(), r.end())},
                                {"cpu_speedup", median(cpu_per_image[a][1]) / median(cpu_per_image[a][0])}}
                     .dump()
              << std::endl;
  }
  std::vector<double> fused_mix, separate_mix;
  for (const auto& round : mix_seconds) {
    fused_mix.push_back(round[0]);
    separate_mix.push_back(round[1]);
  }
  const std::vector<double> r = ratios(fused_mix, separate_mix);
  // The mix: every cell trains the same number of images, so its rate is
  // cells / (sum of seconds per image).
  std::cout << nlohmann::json{{"tool", "nasrank"},
                              {"summary", true},
                              {"cells", archs.size()},
                              {"rounds", rounds},
                              {"fusion", train::conv_fusion_name(modes[0])},
                              {"channels", spec.channels},
                              {"batch", protocol.batch_size},
                              {"steps", steps},
                              {"fused_images_per_second", static_cast<double>(archs.size()) / median(fused_mix)},
                              {"separate_images_per_second", static_cast<double>(archs.size()) / median(separate_mix)},
                              {"speedup", median(separate_mix) / median(fused_mix)},
                              {"speedup_min", *std::min_element(r.begin(), r.end())},
                              {"speedup_max", *std::max_element(r.begin(), r.end())}}
                   .dump()
            << std::endl;
  return 0;
}

}  // namespace

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
  std::string fusion = "auto";
  int compare_rounds = 0;
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
  app.add_option("--fusion", fusion, "Conv edges out of one vertex: auto, fused or separate (network.h)");
  app.add_option("--compare-fusion", compare_rounds,
                 "Interleave --fusion and separate conv edges for this many rounds");
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
  runtime.fusion = train::parse_conv_fusion(fusion);
  if (compare_rounds > 0) return compare_fusion(archs, spec, protocol, runtime, warmup, steps, compare_rounds, seed);

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
                                {"images", b.images},
                                {"cpu_seconds", b.cpu_seconds},
                                {"images_per_second", b.images_per_second},
                                {"forward_mflops", computed_mflops},
                                {"benchmark_forward_mflops", cost.benchmark.flops_m()},
                                {"step_gflops_per_second", b.images_per_second * computed_mflops * 6.0 / 1e3}}
                     .dump()
              << std::endl;
  }
  nlohmann::json summary{{"tool", "nasrank"},        {"summary", true},
                         {"cells", archs.size()},    {"threads", used_threads},
                         {"batch", batch},           {"steps", steps},
                         {"seconds", total_seconds}, {"every_edge", every_edge},
                         {"channels_last", !nchw},   {"conv_fusion", train::conv_fusion_name(runtime.fusion)}};
  if (total_seconds > 0) summary["images_per_second"] = static_cast<double>(total_images) / total_seconds;
  if (sgemm) summary["sgemm_gflops"] = train::measure_sgemm_gflops(1024, 10);
  std::cout << summary.dump() << std::endl;
  return 0;
}

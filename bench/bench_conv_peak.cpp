// Two measured ceilings for the GFLOP/s of a training step on this CPU
// (bench/run_flops_bench.sh puts them beside the computed FMA peak):
//
// * fma_loop: independent vector FMAs in registers on every thread at once
//   (AVX-512 where the CPU has it, else AVX2): what the cores can do at the
//   clock they really run at, which a virtual machine does not reveal.
// * conv: one large 3x3 convolution in LibTorch (oneDNN, channels-last as
//   nasrank trains), forward and forward+backward, and the same at the
//   three NAS-Bench-201 stage shapes (C=16/32/64 at 32/16/8 pixels, batch 256).
//
//   bench_conv_peak [--threads 2] [--repeats 10] [--seconds 0.1] [--quick]
// Prints JSON lines: one per measurement, GFLOP/s from the fastest repeat.
#include "nasrank/train/process.h"
#include "nasrank/train/trainer.h"

#include <CLI/CLI.hpp>
#include <immintrin.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <limits>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// 12 independent accumulators cover the FMA latency (4 cycles) x 2 pipes with
// room to spare, so the loop is bound by FMA throughput alone.
constexpr int kAccumulators = 12;

__attribute__((target("avx512f"))) float fma_loop_avx512(long iterations) {
  __m512 acc[kAccumulators];
  for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm512_set1_ps(static_cast<float>(k) * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f);
  const __m512 b = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iterations; ++i)
    for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
  alignas(64) float lanes[16];
  float sum = 0.0f;
  for (int k = 0; k < kAccumulators; ++k) {
    _mm512_store_ps(lanes, acc[k]);
    for (float v : lanes) sum += v;
  }
  return sum;
}

__attribute__((target("avx2,fma"))) float fma_loop_avx2(long iterations) {
  __m256 acc[kAccumulators];
  for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm256_set1_ps(static_cast<float>(k) * 1e-3f);
  const __m256 a = _mm256_set1_ps(0.999999f);
  const __m256 b = _mm256_set1_ps(1e-7f);
  for (long i = 0; i < iterations; ++i)
    for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
  alignas(32) float lanes[8];
  float sum = 0.0f;
  for (int k = 0; k < kAccumulators; ++k) {
    _mm256_store_ps(lanes, acc[k]);
    for (float v : lanes) sum += v;
  }
  return sum;
}

nlohmann::json measure_fma_loop(int threads, int repeats, double seconds) {
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f");
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!avx512 && !avx2) return {{"what", "fma_loop"}, {"skipped", "no AVX2+FMA on this CPU"}};
  const int lanes = avx512 ? 16 : 8;
  auto loop = [avx512](long n) { return avx512 ? fma_loop_avx512(n) : fma_loop_avx2(n); };
  // Calibrate the iteration count to about `seconds` on one thread.
  long iterations = 1 << 16;
  for (;;) {
    const auto start = Clock::now();
    volatile float sink = loop(iterations);
    (void)sink;
    if (seconds_since(start) > seconds / 4 || iterations > (1L << 40)) break;
    iterations *= 2;
  }
  iterations *= 4;
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < repeats; ++r) {
    std::vector<std::thread> pool;
    std::vector<float> sums(static_cast<std::size_t>(threads));
    const auto start = Clock::now();
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { sums[static_cast<std::size_t>(t)] = loop(iterations); });
    for (auto& th : pool) th.join();
    best = std::min(best, seconds_since(start));
    volatile float sink = sums[0];
    (void)sink;
  }
  const double flops = 2.0 * lanes * kAccumulators * static_cast<double>(iterations) * threads;
  return {{"what", "fma_loop"},
          {"isa", avx512 ? "avx512f" : "avx2+fma"},
          {"threads", threads},
          {"seconds", best},
          {"gflops", flops / best / 1e9}};
}

nlohmann::json measure_conv(const std::string& name, int batch, int channels, int pixels, int repeats) {
  torch::NoGradGuard no_grad_outside;
  auto generator = at::detail::createCPUGenerator(1);
  torch::Tensor input = torch::randn({batch, channels, pixels, pixels}, generator, torch::kFloat)
                            .contiguous(torch::MemoryFormat::ChannelsLast);
  torch::Tensor weight =
      torch::randn({channels, channels, 3, 3}, generator, torch::kFloat).contiguous(torch::MemoryFormat::ChannelsLast);
  const double forward_flops = 2.0 * batch * channels * static_cast<double>(channels) * 9 * pixels * pixels;
  double best_forward = std::numeric_limits<double>::infinity();
  for (int r = 0; r < repeats + 1; ++r) {  // the first call chooses oneDNN's kernels
    const auto start = Clock::now();
    torch::Tensor out = torch::conv2d(input, weight, {}, 1, 1);
    if (r > 0) best_forward = std::min(best_forward, seconds_since(start));
  }
  // Forward and backward (input and weight gradients): 3x the forward FLOPs.
  torch::Tensor x = input.clone().requires_grad_(true);
  torch::Tensor w = weight.clone().requires_grad_(true);
  double best_step = std::numeric_limits<double>::infinity();
  for (int r = 0; r < repeats + 1; ++r) {
    torch::AutoGradMode grad(true);
    x.mutable_grad() = torch::Tensor();
    w.mutable_grad() = torch::Tensor();
    const auto start = Clock::now();
    torch::Tensor out = torch::conv2d(x, w, {}, 1, 1);
    out.backward(torch::ones_like(out));
    if (r > 0) best_step = std::min(best_step, seconds_since(start));
  }
  return {{"what", "conv"},
          {"shape", name},
          {"batch", batch},
          {"channels", channels},
          {"pixels", pixels},
          {"forward_gflops", forward_flops / best_forward / 1e9},
          {"train_gflops", 3.0 * forward_flops / best_step / 1e9}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Measured GFLOP/s ceilings: an FMA loop and oneDNN convolutions (see bench/run_flops_bench.sh)"};
  int threads = 2;
  int repeats = 10;
  double seconds = 0.1;
  bool quick = false;
  app.add_option("--threads", threads, "Threads (FMA loop and LibTorch intra-op)");
  app.add_option("--repeats", repeats, "Timings per measurement; the fastest counts");
  app.add_option("--seconds", seconds, "Approximate length of one FMA-loop timing");
  app.add_flag("--quick", quick, "Smaller large convolution (a smoke test of the script, not a ceiling)");
  CLI11_PARSE(app, argc, argv);
  nasrank::train::restart_with_passive_openmp_wait();
  const int used = nasrank::train::configure_process(threads);

  std::cout << measure_fma_loop(threads, repeats, seconds).dump() << std::endl;
  std::cout << measure_conv("large", quick ? 4 : 16, quick ? 128 : 256, 28, repeats).dump() << std::endl;
  const int nb201_batch = quick ? 32 : 256;
  std::cout << measure_conv("nb201-stage1", nb201_batch, 16, 32, repeats).dump() << std::endl;
  std::cout << measure_conv("nb201-stage2", nb201_batch, 32, 16, repeats).dump() << std::endl;
  std::cout << measure_conv("nb201-stage3", nb201_batch, 64, 8, repeats).dump() << std::endl;
  std::cout
      << nlohmann::json{{"what", "summary"}, {"threads", used}, {"torch_threads", torch::get_num_threads()}}.dump()
      << std::endl;
  return 0;
}

// Ranking statistics at scale. The data generator is mirrored exactly by
// bench/stats_peer.py (scipy) so bench/run_stats_bench.sh can compare both on
// identical pairs; the tau_b counter lets it check that they agree.
#include "nasrank/analyze/stats.h"

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

namespace {

// SplitMix64 over seed + k * golden: trivial to reproduce in numpy.
struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
};

struct Pairs {
  std::vector<double> x;
  std::vector<double> y;
};

// Accuracies in hundredths of a point, 0.00..99.99 (10,000 levels, so heavy
// ties at 1M pairs), y = 0.7 x + 0.3 noise, rounded down to hundredths.
Pairs make_pairs(std::size_t n) {
  SplitMix64 random{1};
  Pairs pairs;
  pairs.x.reserve(n);
  pairs.y.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t a = random.next() % 10000;
    const std::uint64_t noise = random.next() % 10000;
    const std::uint64_t b = (7 * a + 3 * noise) / 10;
    pairs.x.push_back(static_cast<double>(a) / 100.0);
    pairs.y.push_back(static_cast<double>(b) / 100.0);
  }
  return pairs;
}

void BM_KendallTauB(benchmark::State& state) {
  const Pairs pairs = make_pairs(static_cast<std::size_t>(state.range(0)));
  // DoNotOptimize on a whole struct, never on a lone double: benchmark 1.7.1's
  // register constraint corrupts doubles under GCC -O3 (google/benchmark#903).
  nasrank::analyze::KendallResult result;
  for (auto _ : state) {
    result = nasrank::analyze::kendall_tau_b(pairs.x, pairs.y);
    benchmark::DoNotOptimize(result);
  }
  state.counters["tau_b"] = result.tau_b;
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_KendallTauB)->Arg(15625)->Arg(1000000)->Unit(benchmark::kMillisecond);

void BM_SpearmanRho(benchmark::State& state) {
  const Pairs pairs = make_pairs(static_cast<std::size_t>(state.range(0)));
  double rho = 0.0;
  for (auto _ : state) {
    rho = nasrank::analyze::spearman_rho(pairs.x, pairs.y);
    benchmark::DoNotOptimize(&rho);
  }
  state.counters["rho"] = rho;
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SpearmanRho)->Arg(1000000)->Unit(benchmark::kMillisecond);

// A whole-benchmark-sized (15,625 architectures) bootstrap of tau-b and rho.
void BM_BootstrapCorrelate(benchmark::State& state) {
  const Pairs pairs = make_pairs(15625);
  nasrank::analyze::BootstrapOptions options;
  options.resamples = static_cast<std::size_t>(state.range(0));
  options.threads = static_cast<std::size_t>(state.range(1));
  for (auto _ : state) {
    benchmark::DoNotOptimize(nasrank::analyze::correlate(pairs.x, pairs.y, options));
  }
}
BENCHMARK(BM_BootstrapCorrelate)->Args({1000, 1})->Args({1000, 2})->Unit(benchmark::kMillisecond);

void BM_PairwiseGaps(benchmark::State& state) {
  const Pairs pairs = make_pairs(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(nasrank::analyze::pairwise_gaps(pairs.x));
}
BENCHMARK(BM_PairwiseGaps)->Arg(15625)->Arg(1000000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

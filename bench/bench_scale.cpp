// Scaling all 15,625 NAS-Bench-201 cells: paths, learning rate and the
// per-layer init table of the whole C=16, N=5 network. The CLI wall time of
// `nasrank scale --space nb201 --format csv` (target < 200 ms) is timed by
// bench/run_cell_bench.sh.
#include "nasrank/cell/encoding.h"
#include "nasrank/scale/scaler.h"

#include <benchmark/benchmark.h>

namespace {
using namespace nasrank;

void BM_ScaleWholeSpace(benchmark::State& state) {
  const bool with_layers = state.range(0) != 0;
  std::vector<cell::CellGraph> graphs;
  for (int i = 0; i < cell::kNb201SpaceSize; ++i) graphs.push_back(cell::from_benchmark_index(i));
  const scale::ScalerOptions options;
  const scale::NetworkShape shape;
  for (auto _ : state) {
    double total = 0.0;
    std::size_t layers = 0;
    for (const auto& g : graphs) {
      total += scale::learning_rate(g, options).learning_rate;
      if (with_layers) layers += scale::layer_init_table(g, shape, options).size();
    }
    benchmark::DoNotOptimize(total);
    benchmark::DoNotOptimize(layers);
  }
  state.SetItemsProcessed(state.iterations() * cell::kNb201SpaceSize);
  state.SetLabel(with_layers ? "paths + lr + init table" : "paths + lr");
}
BENCHMARK(BM_ScaleWholeSpace)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

// Parser throughput over the whole NAS-Bench-201 space: decode, canonicalize
// and enumerate paths for all 15,625 cells. The CLI wall-time figure
// (`nasrank space nb201 --format csv`, target < 100 ms) is measured by
// bench/run_cell_bench.sh.
#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/cell/space.h"

#include <benchmark/benchmark.h>

namespace {
using namespace nasrank::cell;

void BM_ParseCanonicalizePathsWholeSpace(benchmark::State& state) {
  std::vector<std::string> arch_strings;
  for (int i = 0; i < kNb201SpaceSize; ++i) arch_strings.push_back(*to_arch_string(from_benchmark_index(i)));
  for (auto _ : state) {
    std::size_t paths = 0;
    for (const auto& arch : arch_strings) {
      const CellGraph g = parse_arch_string(arch);
      benchmark::DoNotOptimize(unique_string(g, true));
      paths += enumerate_paths(g).size();
    }
    benchmark::DoNotOptimize(paths);
  }
  state.SetItemsProcessed(state.iterations() * kNb201SpaceSize);
}
BENCHMARK(BM_ParseCanonicalizePathsWholeSpace)->Unit(benchmark::kMillisecond);

void BM_EnumerateSpaceSummaries(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(nb201_space());
  state.SetItemsProcessed(state.iterations() * kNb201SpaceSize);
}
BENCHMARK(BM_EnumerateSpaceSummaries)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

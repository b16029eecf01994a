// In-process cost of store queries on a store with all 15,625 NAS-Bench-201
// cells (3 datasets each, like the 200-epoch CSV import): open the file and
// answer one architecture, and a top-10 over a whole dataset.
#include "nasrank/cell/encoding.h"
#include "nasrank/store/query.h"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

namespace {

using namespace nasrank::store;

// Synthetic means with the shape of the real import (no ../shared needed).
const std::filesystem::path& bench_store() {
  static const std::filesystem::path path = [] {
    const auto file =
        std::filesystem::temp_directory_path() / ("nasrank-bench-store-" + std::to_string(::getpid()) + ".h5");
    ResultStore store = ResultStore::open(file, OpenMode::Truncate);
    std::vector<RunRecord> runs;
    for (int index = 0; index < 15625; ++index)
      for (const char* dataset : {"cifar10", "cifar100", "ImageNet16-120"}) {
        RunRecord r;
        r.benchmark_index = index;
        r.arch = *nasrank::cell::to_arch_string(nasrank::cell::from_benchmark_index(index));
        r.dataset = dataset;
        r.protocol = "nb201";
        r.budget_epochs = 200;
        r.seeds_averaged = "777,888,999";
        r.final_metrics[resolve_split(dataset, "test")].accuracy = (index * 7919 % 10000) / 100.0;
        runs.push_back(std::move(r));
      }
    store.add(std::move(runs));
    store.commit();
    return file;
  }();
  return path;
}

void BM_OpenAndQueryOneArchitecture(benchmark::State& state) {
  const auto& path = bench_store();
  QuerySpec spec;
  spec.arch_key = arch_key("nb201", *nasrank::cell::to_arch_string(nasrank::cell::from_benchmark_index(6111)));
  spec.budget_epochs = 200;
  for (auto _ : state) {
    const ResultStore store = ResultStore::open(path, OpenMode::Read);
    benchmark::DoNotOptimize(run_query(store, spec));
  }
}
BENCHMARK(BM_OpenAndQueryOneArchitecture)->Unit(benchmark::kMillisecond);

void BM_OpenAndTop10(benchmark::State& state) {
  const auto& path = bench_store();
  QuerySpec spec;
  spec.dataset = "cifar10";
  spec.budget_epochs = 200;
  spec.order_by = "accuracy";
  spec.limit = 10;
  for (auto _ : state) {
    const ResultStore store = ResultStore::open(path, OpenMode::Read);
    benchmark::DoNotOptimize(run_query(store, spec));
  }
}
BENCHMARK(BM_OpenAndTop10)->Unit(benchmark::kMillisecond);

void BM_ReadAllRecords(benchmark::State& state) {
  const auto& path = bench_store();
  for (auto _ : state) {
    const ResultStore store = ResultStore::open(path, OpenMode::Read);
    benchmark::DoNotOptimize(store.list({}, ReadOptions{false}));
  }
}
BENCHMARK(BM_ReadAllRecords)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  std::filesystem::remove(bench_store());
  return 0;
}

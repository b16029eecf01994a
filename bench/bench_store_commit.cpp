// Cost of one commit (one finished run, as a re-rank commits) into a store
// that already holds N runs: wall time per commit and bytes the process
// wrote to storage (/proc/self/io write_bytes, so copies and fsyncs count),
// plus the writer's close (where a store with a journal folds it).
// Uses only the public store API, so the same file builds against an older
// nasrank to compare (bench/run_store_commit_bench.sh).
//
// Usage: bench_store_commit STORE STORED_RUNS COMMITS [EPOCHS]
//   Creates STORE with STORED_RUNS synthetic runs (EPOCHS-epoch curves,
//   default 12) unless it exists, then appends COMMITS runs one commit each.
#include "nasrank/store/store.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace {

using namespace nasrank::store;

RunRecord synthetic_run(long id, int epochs) {
  RunRecord r;
  r.benchmark_index = static_cast<int>(id % 15625);
  r.dataset = "cifar10";
  r.protocol = "nb201";
  r.budget_epochs = epochs;
  r.seed = id / 15625;
  r.learning_rate = 0.1;
  r.init = "principled";
  r.params_m = 0.5 + (id % 97) * 1e-3;
  r.flops_m = 80 + id % 89;
  r.wall_seconds = 300 + id % 13;
  r.images_per_second = 2400;
  r.config_json = R"({"lr":0.1,"epochs":)" + std::to_string(epochs) + R"(,"batch_size":256})";
  const double base = 50 + (id % 40);
  // Measured numbers are noisy: without noise the curves would compress to
  // almost nothing and the store would be unrealistically small.
  auto noise = [&](int e, int series) {
    const double x = std::sin(static_cast<double>(id) * 12.9898 + e * 78.233 + series * 37.719) * 43758.5453;
    return x - std::floor(x);
  };
  r.final_metrics["train"] = {base + 5, 0.5};
  r.final_metrics["ori-test"] = {base, 0.9};
  for (int e = 0; e < epochs; ++e) {
    r.curves.train_loss.push_back(2.0 - 0.1 * e + noise(e, 0));
    r.curves.train_accuracy.push_back(base - epochs + e + noise(e, 1));
    r.curves.learning_rate.push_back(0.05 * (1 + std::cos(3.141592653589793 * e / epochs)));
    r.curves.epoch_seconds.push_back(20 + noise(e, 2));
    r.curves.eval_accuracy["ori-test"].push_back(base - (epochs - e) * 0.5 + noise(e, 3));
    r.curves.eval_loss["ori-test"].push_back(0.9 + (epochs - e) * 0.01 + noise(e, 4));
  }
  return r;
}

long long write_bytes() {
  std::ifstream io("/proc/self/io");
  std::string key;
  long long value = 0;
  while (io >> key >> value)
    if (key == "write_bytes:") return value;
  return -1;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s STORE STORED_RUNS COMMITS [EPOCHS]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const long stored = std::atol(argv[2]);
  const long commits = std::atol(argv[3]);
  const int epochs = argc > 4 ? std::atoi(argv[4]) : 12;
  try {
    if (!std::ifstream(path)) {
      const auto start = std::chrono::steady_clock::now();
      ResultStore store = ResultStore::open(path, OpenMode::Truncate);
      constexpr long kBatch = 20000;
      for (long first = 0; first < stored; first += kBatch) {
        std::vector<RunRecord> runs;
        for (long id = first; id < std::min(stored, first + kBatch); ++id) runs.push_back(synthetic_run(id, epochs));
        store.add(std::move(runs));
      }
      store.commit();
      std::printf("built %ld runs in %.1f s\n", stored, seconds_since(start));
    }
    if (commits <= 0) return 0;
    std::vector<double> per_commit;
    long long loop_bytes = 0;
    double close_seconds = 0;
    long long close_bytes = 0;
    std::size_t count = 0;
    {
      ResultStore store = ResultStore::open(path, OpenMode::Append);
      count = store.count();
      const long long before = write_bytes();
      for (long c = 0; c < commits; ++c) {
        RunRecord run = synthetic_run(1000000000L + c * 15625, epochs);  // a key no store run has
        const auto start = std::chrono::steady_clock::now();
        store.add({std::move(run)});
        store.commit();
        per_commit.push_back(seconds_since(start));
      }
      loop_bytes = write_bytes() - before;
      const long long close_before = write_bytes();
      const auto start = std::chrono::steady_clock::now();
      { ResultStore closing = std::move(store); }
      close_seconds = seconds_since(start);
      close_bytes = write_bytes() - close_before;
    }
    double total = 0;
    for (double s : per_commit) total += s;
    // The first commit of a session also loads the keys of every stored run
    // (duplicate detection), once: reported apart from the others.
    std::vector<double> sorted(per_commit.begin() + (commits > 1 ? 1 : 0), per_commit.end());
    std::sort(sorted.begin(), sorted.end());
    double rest = 0;
    for (double s : sorted) rest += s;
    std::printf(
        "stored %zu runs, %ld commits of 1 run (%d epochs): first commit %.1f ms; the others median %.2f ms, mean "
        "%.2f ms, max %.2f ms; written per commit %.1f kB; close %.1f ms, %.1f kB written; amortized over the "
        "session (commits + close) %.2f ms and %.1f kB per run\n",
        count, commits, epochs, per_commit.front() * 1e3, sorted[sorted.size() / 2] * 1e3,
        rest / static_cast<double>(sorted.size()) * 1e3, sorted.back() * 1e3,
        static_cast<double>(loop_bytes) / commits / 1024, close_seconds * 1e3, static_cast<double>(close_bytes) / 1024,
        (total + close_seconds) / commits * 1e3, static_cast<double>(loop_bytes + close_bytes) / commits / 1024);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}

// Test helper for test_store_crash: appends batches of runs to a store and
// prints "committed N" (N = runs in the store) after each commit returns, so
// a test can SIGKILL it at any moment and compare with the file.
#include "nasrank/store/store.h"
#include "store_test_util.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s STORE BATCHES RUNS_PER_BATCH\n", argv[0]);
    return 2;
  }
  try {
    using namespace nasrank::store;
    ResultStore store = ResultStore::open(argv[1], OpenMode::Append);
    const long batches = std::atol(argv[2]);
    const long per_batch = std::atol(argv[3]);
    std::size_t next = store.count();
    for (long b = 0; b < batches; ++b) {
      std::vector<RunRecord> runs;
      for (long i = 0; i < per_batch; ++i, ++next) {
        // Unique keys: every run gets its own seed.
        runs.push_back(
            testing::sample_run(static_cast<int>(next % 15625), static_cast<std::int64_t>(next), "cifar10", 20));
      }
      store.add(std::move(runs));
      const std::size_t count = store.commit();
      std::printf("committed %zu\n", count);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}

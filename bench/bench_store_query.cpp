// `nasrank query STORE --index I --budget B` reduced to the store library: the
// same answer in CSV, from a process without the command-line parser.
// Comparing its wall time with the CLI's separates the query from the CLI's
// start-up.
#include "nasrank/cell/encoding.h"
#include "nasrank/store/query.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s STORE INDEX BUDGET\n", argv[0]);
    return 2;
  }
  try {
    using namespace nasrank::store;
    const ResultStore store = ResultStore::open(argv[1], OpenMode::Read);
    QuerySpec spec;
    spec.arch_key =
        arch_key("nb201", *nasrank::cell::to_arch_string(nasrank::cell::from_benchmark_index(std::atoll(argv[2]))));
    spec.budget_epochs = std::atoi(argv[3]);
    std::printf("index,arch,dataset,budget_epochs,seeds,split,accuracy\n");
    for (const QueryRow& row : run_query(store, spec))
      std::printf("%d,%s,%s,%d,%s,%s,%.17g\n", row.benchmark_index, row.arch.c_str(), row.dataset.c_str(),
                  row.budget_epochs, row.seeds.c_str(), row.split.c_str(), row.accuracy);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
  return 0;
}

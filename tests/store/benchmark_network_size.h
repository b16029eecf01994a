#pragma once
// What `nasrank import csv` hands the store: the benchmark network's size
// counted by the train module (the store itself does not link it).
#include "nasrank/store/import.h"
#include "nasrank/train/cost.h"

namespace nasrank::store::testing {

inline NetworkSize benchmark_network_size(const cell::CellGraph& graph, const std::string& dataset) {
  const train::CostCount cost =
      train::network_cost(graph, train::network_spec_for_dataset(train::NetworkSpec{}, dataset)).benchmark;
  return NetworkSize{cost.params_m(), cost.flops_m()};
}

}  // namespace nasrank::store::testing

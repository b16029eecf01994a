#pragma once
// Parameter and FLOP counts of the networks of network.h, from the graph
// alone (no LibTorch), counted as NAS-Bench-201 counts them: parameters are
// every trainable weight (BatchNorm affine included, running statistics not);
// FLOPs are the multiply-adds of convolutions and linear layers for one image,
// a bias adding one per output; pooling, BatchNorm, ReLU and additions are
// free.
//
// Two counts: `benchmark` builds every non-zero edge, as the benchmark's
// network does (its published params/FLOPs are these), and `built` is what
// nasrank's default build holds and computes: edges without effect left out,
// and a NAS-Bench-201 conv out of a zero vertex holding its weights but
// computing only BatchNorm's bias (network.h).
#include "nasrank/cell/graph.h"
#include "nasrank/train/network.h"

#include <cstdint>
#include <string>

namespace nasrank::train {

struct CostCount {
  std::int64_t params = 0;
  std::int64_t flops = 0;  // per image
  double params_m() const { return static_cast<double>(params) / 1e6; }
  double flops_m() const { return static_cast<double>(flops) / 1e6; }
};

struct NetworkCost {
  CostCount benchmark;  // every non-zero edge (comparable to NAS-Bench-201's numbers)
  CostCount built;      // the default build (edges without effect left out)
};

NetworkCost network_cost(const cell::CellGraph& graph, const NetworkSpec& spec);

// Image shape and classes of a dataset key without reading it: cifar10,
// cifar10-valid (3x32x32, 10), cifar100 (3x32x32, 100), ImageNet16-120
// (3x16x16, 120), fashion-mnist and mnist (1x28x28, 10), synthetic (the
// generator's default, 3x32x32, 10). Unknown keys throw InputError.
struct DatasetShape {
  int channels = 0;
  int height = 0;
  int width = 0;
  int num_classes = 0;
};
DatasetShape dataset_shape(const std::string& dataset_key);

// `config`'s network on a dataset's images (what `nasrank cost` reports).
NetworkSpec network_spec_for_dataset(const NetworkSpec& config, const std::string& dataset_key);

}  // namespace nasrank::train

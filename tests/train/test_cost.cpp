#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/train/cost.h"

#include <gtest/gtest.h>

namespace nasrank::train {
namespace {

NetworkSpec cifar10() { return NetworkSpec{}; }

NetworkSpec imagenet16_120() {
  NetworkSpec spec;
  spec.input_height = 16;
  spec.input_width = 16;
  spec.num_classes = 120;
  return spec;
}

TEST(Cost, MatchesTheBenchmarkForIndex0OnCifar10) {
  const NetworkCost cost = network_cost(cell::from_benchmark_index(0), cifar10());
  EXPECT_EQ(cost.benchmark.params, 129306);
  EXPECT_EQ(cost.benchmark.flops, 15647370);
  EXPECT_NEAR(cost.benchmark.params_m(), 0.129306, 1e-12);
  EXPECT_NEAR(cost.benchmark.flops_m(), 15.64737, 1e-9);
  // Index 0 has no dead edge: what is built is what the benchmark counts.
  EXPECT_EQ(cost.built.params, cost.benchmark.params);
  EXPECT_EQ(cost.built.flops, cost.benchmark.flops);
}

TEST(Cost, MatchesTheBenchmarkForIndex0OnImageNet16) {
  const NetworkCost cost = network_cost(cell::from_benchmark_index(0), imagenet16_120());
  EXPECT_EQ(cost.benchmark.params, 136456);
  EXPECT_EQ(cost.benchmark.flops, 3919480);
}

TEST(Cost, MatchesTheBenchmarkForIndex11) {
  const cell::CellGraph graph = cell::from_benchmark_index(11);
  EXPECT_EQ(network_cost(graph, cifar10()).benchmark.params, 802426);
  EXPECT_EQ(network_cost(graph, cifar10()).benchmark.flops, 113951370);
  // From the NATS-Bench record of index 11 on ImageNet16-120.
  EXPECT_EQ(network_cost(graph, imagenet16_120()).benchmark.params, 809576);
  EXPECT_EQ(network_cost(graph, imagenet16_120()).benchmark.flops, 28495480);
}

TEST(Cost, BuiltCountLeavesOutEdgesWithoutEffect) {
  // Index 9: |avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|nor_conv_3x3~2|;
  // vertex 2 only sums `none`, so its nor_conv_3x3 into the output is dead but
  // adds BatchNorm's bias: its weights exist, its convolution is not computed.
  const NetworkCost nine = network_cost(cell::from_benchmark_index(9), cifar10());
  std::int64_t conv_flops = 0;
  for (std::int64_t c : {16, 32, 64}) {
    const std::int64_t hw = (32 * 16 / c) * (32 * 16 / c);
    conv_flops += 5 * hw * c * c * 9;
  }
  EXPECT_EQ(nine.built.params, nine.benchmark.params);
  EXPECT_EQ(nine.benchmark.flops - nine.built.flops, conv_flops);
  // 3_00_100: the conv 0 -> 1 feeds a vertex that reaches no output: no weights at all.
  const NetworkCost dead_target = network_cost(cell::parse_encoding("3_00_100"), cifar10());
  std::int64_t dead_params = 0;
  for (std::int64_t c : {16, 32, 64}) dead_params += 5 * (c * c * 9 + 2 * c);
  EXPECT_EQ(dead_target.benchmark.params - dead_target.built.params, dead_params);
  EXPECT_EQ(dead_target.benchmark.flops - dead_target.built.flops, conv_flops);
}

TEST(Cost, AllNoneCellKeepsTheSkeleton) {
  const NetworkCost cost = network_cost(cell::parse_encoding("compact:0_00_000"), cifar10());
  // stem + two basic blocks + head BN + classifier, no cell weights.
  const std::int64_t skeleton = (3 * 16 * 9 + 32) + (16 * 32 * 9 + 64 + 32 * 32 * 9 + 64 + 16 * 32) +
                                (32 * 64 * 9 + 128 + 64 * 64 * 9 + 128 + 32 * 64) + 128 + (64 * 10 + 10);
  EXPECT_EQ(cost.benchmark.params, skeleton);
  EXPECT_EQ(cost.built.params, skeleton);
}

TEST(Cost, DagMlpCountsLinearLayers) {
  NetworkSpec spec;
  spec.input_channels = 1;
  spec.input_height = 28;
  spec.input_width = 28;
  spec.channels = 100;
  spec.dag_kind = DagNetworkKind::Mlp;
  // 2_02_002: 0->1 linear, 0->2 zero, 1->2 linear, 0->3 zero, 1->3 zero, 2->3 linear.
  const NetworkCost cost = network_cost(cell::parse_encoding("dag:2_02_002"), spec);
  // The reference's blocks carry biases.
  const std::int64_t expected = (784 * 100 + 100) + 3 * (100 * 100 + 100) + 100 * 10 + 10;
  EXPECT_EQ(cost.benchmark.params, expected);
  EXPECT_EQ(cost.benchmark.flops, expected);
}

TEST(Cost, DagCnnCountsConvolutions) {
  NetworkSpec spec;
  spec.input_channels = 3;
  spec.input_height = 8;
  spec.input_width = 8;
  spec.channels = 4;
  spec.dag_kind = DagNetworkKind::Cnn;
  spec.kernel_size = 5;
  // 2 vertices, one linear edge.
  const NetworkCost cost = network_cost(cell::parse_encoding("dag:2"), spec);
  EXPECT_EQ(cost.benchmark.params, (3 * 4 * 25 + 4) + (4 * 4 * 25 + 4) + 4 * 10 + 10);
  EXPECT_EQ(cost.benchmark.flops, 64 * (3 * 4 * 25 + 4 + 4 * 4 * 25 + 4) + 4 * 10 + 10);
}

TEST(Cost, RejectsInputsTheBlocksCannotHalve) {
  NetworkSpec spec;
  spec.input_height = 30;
  EXPECT_THROW(network_cost(cell::from_benchmark_index(0), spec), InputError);
}

}  // namespace
}  // namespace nasrank::train

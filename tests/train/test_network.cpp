#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/train/cost.h"
#include "nasrank/train/network.h"
#include "train/edge_patterns.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

namespace nasrank::train {
namespace {

NetworkSpec small_nb201() { return test::small_spec(); }

std::set<std::string> names_of(const Network& network) {
  std::set<std::string> names;
  for (const ParameterInfo& p : network.parameters()) names.insert(p.name);
  return names;
}

std::vector<std::int64_t> shape_of(const Network& network, const std::string& name) {
  for (const ParameterInfo& p : network.parameters())
    if (p.name == name) return p.shape;
  return {};
}

struct RandomBatch {
  std::vector<float> images;
  std::vector<std::int64_t> labels;
  std::int64_t size = 0;
};

RandomBatch random_batch(const NetworkSpec& spec, std::int64_t size, unsigned seed) {
  std::mt19937 engine(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  RandomBatch batch;
  batch.size = size;
  batch.images.resize(static_cast<std::size_t>(size * spec.input_channels * spec.input_height * spec.input_width));
  for (float& x : batch.images) x = normal(engine);
  for (std::int64_t k = 0; k < size; ++k) batch.labels.push_back(k % spec.num_classes);
  return batch;
}

TEST(Network, Nb201ParameterNamesFollowTheScalerContract) {
  // Index 0: |avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|
  const Network network(cell::from_benchmark_index(0), small_nb201(), 1);
  const std::set<std::string> names = names_of(network);
  for (const char* expected :
       {"stem.conv.weight", "stem.bn.weight", "stem.bn.bias", "cells.0.edge_0_2.conv.weight",
        "cells.0.edge_0_2.bn.weight", "cells.0.edge_0_3.conv.weight", "cells.1.conv_a.conv.weight",
        "cells.1.conv_a.bn.bias", "cells.1.conv_b.conv.weight", "cells.1.shortcut.conv.weight",
        "cells.2.edge_0_3.conv.weight", "cells.3.conv_a.conv.weight", "cells.4.edge_0_2.conv.weight", "head_bn.weight",
        "classifier.weight", "classifier.bias"})
    EXPECT_TRUE(names.count(expected)) << expected;
  EXPECT_EQ(shape_of(network, "stem.conv.weight"), (std::vector<std::int64_t>{4, 3, 3, 3}));
  EXPECT_EQ(shape_of(network, "cells.0.edge_0_2.conv.weight"), (std::vector<std::int64_t>{4, 4, 1, 1}));
  EXPECT_EQ(shape_of(network, "cells.1.conv_a.conv.weight"), (std::vector<std::int64_t>{8, 4, 3, 3}));
  EXPECT_EQ(shape_of(network, "cells.1.shortcut.conv.weight"), (std::vector<std::int64_t>{8, 4, 1, 1}));
  EXPECT_EQ(shape_of(network, "cells.4.edge_0_3.conv.weight"), (std::vector<std::int64_t>{16, 16, 1, 1}));
  EXPECT_EQ(shape_of(network, "classifier.weight"), (std::vector<std::int64_t>{5, 16}));
  EXPECT_FALSE(names.count("cells.1.shortcut.conv.bias"));
  EXPECT_FALSE(names.count("cells.0.edge_0_2.conv.bias"));
}

TEST(Network, ParameterCountMatchesTheCostModel) {
  const NetworkSpec benchmark_shape;  // C = 16, N = 5, 3x32x32, 10 classes
  for (int index : {0, 9, 11, 14, 40, 78, 1651, 11472}) {
    const cell::CellGraph graph = cell::from_benchmark_index(index);
    const NetworkCost cost = network_cost(graph, benchmark_shape);
    EXPECT_EQ(Network(graph, benchmark_shape, 1).parameter_count(), cost.built.params) << index;
    EXPECT_EQ(Network(graph, benchmark_shape, 1, EdgeBuild::EveryEdge).parameter_count(), cost.benchmark.params)
        << index;
  }
  EXPECT_EQ(Network(cell::from_benchmark_index(0), benchmark_shape, 1).parameter_count(), 129306);
  EXPECT_EQ(Network(cell::from_benchmark_index(11), benchmark_shape, 1).parameter_count(), 802426);
}

TEST(Network, EdgesWithoutEffectAreNotBuilt) {
  // Index 9 (4_00_103): vertex 2 only sums `none` edges, yet its conv into
  // the output adds BN's bias, so it is built; `none` edges never are.
  const Network pruned(cell::from_benchmark_index(9), small_nb201(), 1);
  const Network every(cell::from_benchmark_index(9), small_nb201(), 1, EdgeBuild::EveryEdge);
  EXPECT_TRUE(names_of(pruned).count("cells.0.edge_2_3.bn.bias"));
  EXPECT_TRUE(names_of(every).count("cells.0.edge_2_3.conv.weight"));
  const Network none_only(cell::parse_encoding("0_00_000"), small_nb201(), 1);
  EXPECT_EQ(names_of(none_only).count("cells.0.edge_0_1.conv.weight"), 0u);
}

NetworkSpec dag_spec(DagNetworkKind kind) {
  NetworkSpec spec;
  spec.channels = 6;
  spec.input_channels = 2;
  spec.input_height = 4;
  spec.input_width = 4;
  spec.num_classes = 3;
  spec.dag_kind = kind;
  spec.kernel_size = 3;
  return spec;
}

TEST(Network, DagMlpAndCnnShapes) {
  const cell::CellGraph graph = cell::parse_encoding("dag:2_12");  // 0->1 linear, 0->2 skip, 1->2 linear
  Network mlp(graph, dag_spec(DagNetworkKind::Mlp), 3);
  EXPECT_EQ(names_of(mlp),
            (std::set<std::string>{"stem.weight", "stem.bias", "edge_0_1.weight", "edge_0_1.bias", "edge_1_2.weight",
                                   "edge_1_2.bias", "readout.weight", "readout.bias"}));
  EXPECT_EQ(shape_of(mlp, "stem.weight"), (std::vector<std::int64_t>{6, 32}));
  EXPECT_EQ(shape_of(mlp, "edge_1_2.weight"), (std::vector<std::int64_t>{6, 6}));
  Network cnn(graph, dag_spec(DagNetworkKind::Cnn), 3);
  EXPECT_EQ(shape_of(cnn, "stem.weight"), (std::vector<std::int64_t>{6, 2, 3, 3}));
  EXPECT_EQ(shape_of(cnn, "edge_0_1.weight"), (std::vector<std::int64_t>{6, 6, 3, 3}));
  EXPECT_EQ(shape_of(cnn, "readout.weight"), (std::vector<std::int64_t>{3, 6}));
  const RandomBatch batch = random_batch(dag_spec(DagNetworkKind::Cnn), 4, 5);
  const ForwardBackward out = cnn.forward_backward(batch.images.data(), batch.labels.data(), batch.size);
  EXPECT_EQ(out.logits.size(), 12u);
  EXPECT_TRUE(std::isfinite(out.loss));
}

// The reference's post-activation blocks (paper-notes section 6): for the DAG
// `2` (input -> stem -> one linear edge -> readout),
// logits = R relu(E relu(S x + s) + e) + r, computed here by hand.
TEST(Network, DagMlpIsTheReferencesPostActivationNetwork) {
  NetworkSpec spec = dag_spec(DagNetworkKind::Mlp);
  Network network(cell::parse_encoding("dag:2"), spec, 5);
  const RandomBatch batch = random_batch(spec, 3, 8);
  const ForwardBackward out = network.forward_backward(batch.images.data(), batch.labels.data(), batch.size);
  const auto S = network.parameter_values("stem.weight");
  const auto s = network.parameter_values("stem.bias");
  const auto E = network.parameter_values("edge_0_1.weight");
  const auto e = network.parameter_values("edge_0_1.bias");
  const auto R = network.parameter_values("readout.weight");
  const auto r = network.parameter_values("readout.bias");
  const std::size_t in = 32, width = 6, classes = 3;
  auto layer = [](const std::vector<float>& W, const std::vector<float>& b, const std::vector<double>& x, bool relu) {
    std::vector<double> y(b.size());
    for (std::size_t o = 0; o < b.size(); ++o) {
      double sum = b[o];
      for (std::size_t i = 0; i < x.size(); ++i) sum += static_cast<double>(W[o * x.size() + i]) * x[i];
      y[o] = relu ? std::max(sum, 0.0) : sum;
    }
    return y;
  };
  for (std::size_t n = 0; n < 3; ++n) {
    const std::vector<double> x(batch.images.begin() + static_cast<std::ptrdiff_t>(n * in),
                                batch.images.begin() + static_cast<std::ptrdiff_t>((n + 1) * in));
    const auto logits = layer(R, r, layer(E, e, layer(S, s, x, true), true), false);
    ASSERT_EQ(logits.size(), classes);
    ASSERT_EQ(S.size(), width * in);
    for (std::size_t c = 0; c < classes; ++c)
      EXPECT_NEAR(out.logits[n * classes + c], logits[c], 1e-4) << n << "," << c;
  }
}

TEST(Network, SameSeedSameWeights) {
  const cell::CellGraph graph = cell::from_benchmark_index(11);
  const Network a(graph, small_nb201(), 7);
  const Network b(graph, small_nb201(), 7);
  const Network c(graph, small_nb201(), 8);
  EXPECT_EQ(a.parameter_values("cells.0.edge_0_1.conv.weight"), b.parameter_values("cells.0.edge_0_1.conv.weight"));
  EXPECT_NE(a.parameter_values("cells.0.edge_0_1.conv.weight"), c.parameter_values("cells.0.edge_0_1.conv.weight"));
}

// Pruning must not change the function: a network with every edge (`none` as
// x * 0, as the benchmark computes it) and the pruned one, given the same
// weights, give the same outputs and the same gradients for every shared
// parameter.
void expect_pruning_is_exact(const cell::CellGraph& graph, const NetworkSpec& spec, const std::string& label) {
  Network every(graph, spec, 11, EdgeBuild::EveryEdge);
  Network pruned(graph, spec, 11, EdgeBuild::Pruned);
  const RandomBatch batch = random_batch(spec, 6, 3);
  const ForwardBackward a = every.forward_backward(batch.images.data(), batch.labels.data(), batch.size);
  const ForwardBackward b = pruned.forward_backward(batch.images.data(), batch.labels.data(), batch.size);
  ASSERT_EQ(a.logits.size(), b.logits.size());
  for (std::size_t k = 0; k < a.logits.size(); ++k) EXPECT_NEAR(a.logits[k], b.logits[k], 1e-5) << label;
  EXPECT_NEAR(a.loss, b.loss, 1e-6) << label;
  // A parameter only the full build has must have no effect: zero gradient.
  for (const auto& [name, grad] : a.gradients)
    if (!b.gradients.count(name))
      for (float g : grad) ASSERT_EQ(g, 0.0f) << label << " " << name << " is not built but has a gradient";
  for (const auto& [name, grad] : b.gradients) {
    const std::vector<float>& full = a.gradients.at(name);
    ASSERT_EQ(full.size(), grad.size()) << label << " " << name;
    float scale = 0.0f;
    for (float g : full) scale = std::max(scale, std::abs(g));
    // Sums in another order differ in the last bits; a gradient that is zero
    // in exact arithmetic comes out as float noise (about 1e-10 here).
    for (std::size_t k = 0; k < grad.size(); ++k)
      ASSERT_NEAR(full[k], grad[k], std::max(1e-4f * scale, 1e-8f)) << label << " " << name << "[" << k << "]";
  }
}

TEST(Network, PruningDeadAndNoneEdgesKeepsOutputsAndGradients) {
  // Cells with dead conv edges: into a vertex that reaches no output (14, 19,
  // 78, 96), out of a vertex no input reaches (9, 40), with `none` edges all along.
  for (int index : {9, 14, 19, 40, 78, 96}) {
    const cell::CellGraph graph = cell::from_benchmark_index(index);
    ASSERT_FALSE(cell::analyze(graph).dead_edges.empty()) << index;
    expect_pruning_is_exact(graph, small_nb201(), "index " + std::to_string(index));
  }
  for (const char* code : {"0_33_003", "0_03_103", "0_02_102", "3_03_100", "3_00_000", "0_00_000", "0_31_003"})
    expect_pruning_is_exact(cell::parse_encoding(code), small_nb201(), code);
  // DAG: 0->1 linear (vertex 1 reaches nothing), 2->3 linear (vertex 2 has no
  // input: a block over zeros, ReLU(bias)), and a constant vertex feeding a block.
  for (DagNetworkKind kind : {DagNetworkKind::Mlp, DagNetworkKind::Cnn})
    for (const char* code : {"dag:2_00_202", "dag:0_02_102", "dag:0_00_000"})
      expect_pruning_is_exact(cell::parse_encoding(code), dag_spec(kind),
                              std::string(dag_kind_name(kind)) + " " + code);
}

TEST(Network, PrincipledInitDrawsTheScalersStandardDeviations) {
  NetworkSpec spec;
  spec.channels = 16;
  spec.cells_per_stage = 1;
  spec.input_height = 8;
  spec.input_width = 8;
  for (const char* encoding : {"index:11", "index:0", "compact:3_33_333"}) {
    const cell::CellGraph graph = cell::parse_encoding(encoding);
    Network network(graph, spec, 1);
    const std::vector<scale::LayerInit> table =
        network.initialize(Initialization::Principled, scale::ScalerOptions{}, 5);
    ASSERT_FALSE(table.empty());
    const std::set<std::string> names = names_of(network);
    std::size_t weights = 0;
    for (const ParameterInfo& p : network.parameters())
      if (p.name.find("bn.") == std::string::npos && p.name.find(".bias") == std::string::npos) ++weights;
    EXPECT_EQ(table.size(), weights) << encoding << ": every weight has one row";
    for (const scale::LayerInit& row : table) {
      ASSERT_TRUE(names.count(row.name)) << encoding << ": " << row.name;
      const std::vector<float> values = network.parameter_values(row.name);
      const double n = static_cast<double>(values.size());
      double sum = 0.0;
      double squares = 0.0;
      for (float v : values) {
        sum += v;
        squares += static_cast<double>(v) * v;
      }
      const double mean = sum / n;
      const double stddev = std::sqrt(squares / n - mean * mean);
      // Sampling error of a standard deviation is about std / sqrt(2n).
      EXPECT_NEAR(stddev, row.stddev, 5.0 * row.stddev / std::sqrt(2.0 * n)) << encoding << " " << row.name;
      EXPECT_NEAR(mean, 0.0, 5.0 * row.stddev / std::sqrt(n)) << encoding << " " << row.name;
    }
    for (const float v : network.parameter_values("classifier.bias")) EXPECT_EQ(v, 0.0f);
    for (const float v : network.parameter_values("head_bn.weight")) EXPECT_EQ(v, 1.0f);
    for (const float v : network.parameter_values("stem.bn.bias")) EXPECT_EQ(v, 0.0f);
  }
}

TEST(Network, PrincipledInitCoversDagNetworks) {
  const cell::CellGraph graph = cell::parse_encoding("dag:2_12_202");
  for (DagNetworkKind kind : {DagNetworkKind::Mlp, DagNetworkKind::Cnn}) {
    NetworkSpec spec = dag_spec(kind);
    spec.channels = 64;
    Network network(graph, spec, 1);
    const std::vector<scale::LayerInit> table =
        network.initialize(Initialization::Principled, scale::ScalerOptions{}, 2);
    const std::set<std::string> names = names_of(network);
    EXPECT_EQ(2 * table.size(), names.size()) << dag_kind_name(kind);  // every weight and its bias
    for (const scale::LayerInit& row : table) {
      ASSERT_TRUE(names.count(row.name)) << row.name;
      EXPECT_EQ(shape_of(network, row.name), row.shape) << row.name;
      // The reference draws with fan_out: the drawn std equals the table's.
      const std::vector<float> values = network.parameter_values(row.name);
      const double n = static_cast<double>(values.size());
      double squares = 0.0;
      for (float v : values) squares += static_cast<double>(v) * v;
      EXPECT_NEAR(std::sqrt(squares / n), row.stddev, 5.0 * row.stddev / std::sqrt(2.0 * n)) << row.name;
      const std::string bias = row.name.substr(0, row.name.size() - 6) + "bias";
      for (const float v : network.parameter_values(bias)) EXPECT_EQ(v, 0.0f) << bias;
    }
    // Vertex 2 sums two edges (skip 0->2, linear 1->2): its outgoing edge is
    // drawn with the variance halved (source in-degree, the default).
    const auto edge =
        std::find_if(table.begin(), table.end(), [](const auto& r) { return r.name == "edge_2_3.weight"; });
    ASSERT_NE(edge, table.end());
    EXPECT_EQ(edge->in_degree, 2);
    for (const float v : network.parameter_values("readout.bias")) EXPECT_EQ(v, 0.0f);
  }
}

TEST(Network, PrincipledInitIsNotTheDefault) {
  const cell::CellGraph graph = cell::from_benchmark_index(11);
  Network a(graph, small_nb201(), 1);
  const std::vector<float> before = a.parameter_values("classifier.weight");
  const auto table = a.initialize(Initialization::Principled, scale::ScalerOptions{}, 1);
  EXPECT_NE(a.parameter_values("classifier.weight"), before);
  // The classifier's output rule: std = 2 / fan_in.
  const auto row =
      std::find_if(table.begin(), table.end(), [](const auto& r) { return r.name == "classifier.weight"; });
  ASSERT_NE(row, table.end());
  EXPECT_DOUBLE_EQ(row->stddev, 2.0 / 16.0);
}

}  // namespace
}  // namespace nasrank::train

#pragma once
// The paper's architecture-aware hyperparameters (Chen, Wu, Wang, Hanin,
// ICLR 2024): a learning rate from the input-to-output path depths of the
// graph, and a per-layer fan-in initialization divided by vertex in-degree.
// Formulas, conventions and worked values: docs/method.md.
#include "nasrank/cell/graph.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nasrank::scale {

// How the depth L_p of a path is counted; the conventions change the numbers
// a lot, so every result records which one was used.
enum class DepthConvention {
  // NAS-Bench-201 reference code: L_p = 1 + conv edges on the path inside one
  // cell, base [1], no kernel-size factor. Default for NAS-Bench-201 cells.
  Nb201Reference,
  // Generic DAG reference code: L_p = linear/conv edges + 3, base [3], an
  // all-skip DAG collapses to one path, CNNs times 3/q. Default for DAGs.
  DagReference,
  // Paper section 4 wording: L_p = parameterized (ReLU-carrying) edges, base [1].
  ReluCount,
};

// Which vertex's in-degree divides an edge's init variance.
enum class DegreeChoice {
  Source,  // the edge's source vertex (reference code; default)
  Target,  // the edge's target vertex (paper appendix eq. 12)
};

std::string_view convention_name(DepthConvention convention);  // "nb201-reference", ...
std::string_view degree_name(DegreeChoice degree);             // "source" | "target"
// Parse the CLI/JSON names; unknown names throw InputError listing the valid ones.
DepthConvention parse_convention(std::string_view name);
DegreeChoice parse_degree(std::string_view name);
DepthConvention default_convention(cell::Space space);

// NAS-Bench-201 on CIFAR-10, as quoted by the reference README.
constexpr double kDefaultNb201BaseLr = 0.46;

struct ScalerOptions {
  double base_lr = kDefaultNb201BaseLr;       // lr of the base architecture (calibrated)
  std::optional<DepthConvention> convention;  // unset: default_convention(graph.space())
  DegreeChoice degree = DegreeChoice::Source;
  // CNN kernel size q. Unset: no kernel factor (an MLP, or a NAS-Bench-201
  // cell under its reference convention). Where the convention has a kernel
  // factor the learning rate is multiplied by 3/q.
  std::optional<int> kernel_size;
};

enum class ScaleStatus {
  Ok,
  Disconnected,         // no input-to-output path: no learning rate exists
  NoParameterizedPath,  // relu-count only: every path has depth 0, so sum L^3 = 0
};
std::string_view status_name(ScaleStatus status);

struct LearningRateResult {
  ScaleStatus status = ScaleStatus::Ok;
  DepthConvention convention = DepthConvention::Nb201Reference;
  std::vector<int> path_depths;   // L_p per path, in cell::enumerate_paths order
  std::vector<int> base_depths;   // the base architecture's L_p
  double sum_cubed_depths = 0.0;  // sum_p L_p^3
  double kernel_factor = 1.0;     // 3/q where applied, else 1
  double learning_rate = 0.0;     // 0 when disconnected
};

// Validates options (base_lr > 0 and finite, kernel size odd 1..15) and throws
// InputError naming the bad value; a disconnected graph is a status, not an error.
LearningRateResult learning_rate(const cell::CellGraph& graph, const ScalerOptions& options);

// The shape of the whole network a cell is stacked into.
struct NetworkShape {
  // NAS-Bench-201 TinyNetwork: stem -> N cells at C -> reduction -> N cells at
  // 2C -> reduction -> N cells at 4C -> classifier.
  int channels = 16;        // C (NAS-Bench-201) or the DAG network's width
  int cells_per_stage = 5;  // N (NAS-Bench-201 only)
  int input_channels = 3;   // image channels, or input features of a DAG MLP
  int num_classes = 10;
};

// One weight tensor of the network and the normal distribution it is drawn
// from. Names are the trainer's parameter names, so the trainer applies
// exactly these rows:
//   NAS-Bench-201: stem.conv.weight, cells.K.edge_J_I.conv.weight,
//                  cells.K.conv_a.conv.weight, cells.K.conv_b.conv.weight,
//                  cells.K.shortcut.conv.weight, classifier.weight
//   DAG networks:  stem.weight, edge_J_I.weight, readout.weight
struct LayerInit {
  std::string name;
  std::vector<std::int64_t> shape;
  std::int64_t fan_in = 0;   // inputs per output: shape[1] * kernel area
  std::int64_t fan_out = 0;  // outputs per input: shape[0] * kernel area
  int in_degree = 1;         // d in N(0, 2 / (fan * d)); 1 where no division applies
  double stddev = 0.0;
  // "he-fan-in/degree", "he-fan-in", "output-2/fan_in" (NAS-Bench-201);
  // "he-fan-out/degree", "he-fan-out", "output-2/fan_out" (DAG networks).
  std::string rule;
  // False for an edge that cannot change the output (its target reaches no
  // output): the trainer's default build leaves it out, `--edges every`
  // builds it and draws it from this row.
  bool computed = true;
};

// Every weight tensor of the benchmark's network built from `graph`, every
// non-zero parameterized edge included (see LayerInit::computed). Biases are
// zero and BatchNorm weight 1 / bias 0 everywhere.
//   NAS-Bench-201 (TinyNetwork, reference): He fan-in, edges divided by the
//   chosen vertex's in-degree, classifier std 2 / fan_in.
//   DAG networks (the reference's mlp_dags / cnn_dags): He fan-out for the
//   stem and every edge (divided by the in-degree), readout std 2 / fan_out
//   = 2 / classes.
std::vector<LayerInit> layer_init_table(const cell::CellGraph& graph, const NetworkShape& shape,
                                        const ScalerOptions& options);

}  // namespace nasrank::scale

#pragma once
// The networks the trainer builds from a graph, behind a torch-free handle.
//
// NAS-Bench-201 cells (Space::Nb201) are stacked into the benchmark's
// TinyNetwork:
//   stem      Conv3x3(in -> C, pad 1, no bias) + BN
//   cells     N cells at C, basic block C -> 2C (stride 2), N cells at 2C,
//             basic block 2C -> 4C, N cells at 4C
//   head      BN + ReLU -> global average pool -> Linear(4C -> classes, bias)
// Cell vertex i = sum over j < i of op_ji(vertex j); nor_conv_kxk = ReLU ->
// Conv(k, pad k/2, no bias) -> BN; avg_pool_3x3 = AvgPool(3, 1, 1, padding not
// counted); skip = identity. Basic block = shortcut(x) + conv_b(conv_a(x))
// with conv_a = ReLU-Conv3x3(stride 2)-BN, conv_b = ReLU-Conv3x3-BN and
// shortcut = AvgPool(2, 2) -> Conv1x1 (no bias, no BN).
//
// DAG codes (Space::Dag) become the reference's generic networks (its
// models/mlp_dags.py and cnn_dags.py; docs/method.md):
//   MLP: the image is flattened; a Block is Linear(bias) -> ReLU
//        (post-activation); vertex 0 is the stem Block(in_features -> width);
//        a `linear` edge is Block(width, width); a `skip` edge is identity;
//        vertices sum their incoming edges; readout Linear(width -> classes,
//        bias) on the last vertex.
//   CNN: the same with Conv(q, stride 1, pad q/2, bias) -> ReLU blocks, and
//        global average pool -> Linear(width -> classes, bias) as the readout.
//
// Parameter names are the scaler's contract (scale::layer_init_table):
//   stem.conv.weight, stem.bn.{weight,bias}
//   cells.K.edge_J_I.conv.weight, cells.K.edge_J_I.bn.{weight,bias}
//   cells.K.conv_a.conv.weight, cells.K.conv_a.bn.*, cells.K.conv_b.conv.weight,
//   cells.K.conv_b.bn.*, cells.K.shortcut.conv.weight
//   head_bn.{weight,bias}, classifier.{weight,bias}
//   DAG: stem.{weight,bias}, edge_J_I.{weight,bias}, readout.{weight,bias}
// K counts every block 0..3N+1, the two basic blocks being K = N and 2N+1;
// edge_J_I is the edge from vertex J into vertex I.
//
// The default build computes exactly the benchmark's function and gradients
// and leaves out only what provably has no effect (cell::edge_effects):
// `none` edges, edges into a vertex that reaches no output, and identity-like
// edges out of an identically zero vertex. A conv edge out of an identically
// zero vertex is kept: ReLU(0) -> conv -> BatchNorm outputs BN's trained bias
// (in training and in evaluation), so it is computed as that bias alone; a
// vertex holding such a constant feeds its edges like any other (a conv over
// it is not constant near the borders, zero padding). Every random draw is
// keyed by the parameter's name, so the default build and EdgeBuild::EveryEdge
// hold the same values for every parameter they share and train identically
// (tested step by step). A disconnected graph (no input-to-output path) builds
// a network whose output does not depend on the input; the trainer does not
// train it.
#include "nasrank/cell/graph.h"
#include "nasrank/scale/scaler.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace nasrank::train {

// Which network a DAG code is built into.
enum class DagNetworkKind { Mlp, Cnn };
std::string_view dag_kind_name(DagNetworkKind kind);  // "mlp" | "cnn"
DagNetworkKind parse_dag_kind(std::string_view name);

struct NetworkSpec {
  int channels = 16;                              // NAS-Bench-201 C, or the DAG network's width
  int cells_per_stage = 5;                        // NAS-Bench-201 N (ignored for DAGs)
  int input_channels = 3;                         // image channels
  int input_height = 32;                          // image height in pixels
  int input_width = 32;                           // image width in pixels
  int num_classes = 10;                           // classifier outputs
  DagNetworkKind dag_kind = DagNetworkKind::Mlp;  // DAG codes only
  int kernel_size = 3;                            // DAG CNN kernel q (odd); ignored otherwise
};

// Throws InputError naming the field and value when a size is out of range
// (NAS-Bench-201 networks also need height and width divisible by 4, so the
// two basic blocks' branches keep equal sizes).
void validate(const NetworkSpec& spec, cell::Space space);

// The scaler's view of the same network (a DAG MLP's input is C*H*W features).
scale::NetworkShape network_shape(const cell::CellGraph& graph, const NetworkSpec& spec);

// The scaler options a network kind needs beyond the user's: a DAG CNN
// carries its kernel size so the convention's kernel factor applies.
scale::ScalerOptions scaler_options_for(const cell::CellGraph& graph, const NetworkSpec& spec,
                                        scale::ScalerOptions options);

// Module names, shared by the builder, the cost model and the tests.
std::string edge_module_name(int from, int to);  // "edge_J_I"

enum class Initialization {
  Benchmark,   // LibTorch's defaults, as NAS-Bench-201 trained with PyTorch's
  Principled,  // N(0, std^2) per scale::layer_init_table, biases 0, BN 1 / 0
};
std::string_view initialization_name(Initialization init);  // "benchmark" | "principled"
Initialization parse_initialization(std::string_view name);

// Which edges are built. Everything but verification uses Pruned.
enum class EdgeBuild {
  Pruned,     // only edges that can change the output (see above); the same function
  EveryEdge,  // every edge, `none` computed as zeros (the benchmark's way)
};

// How the conv edges of a NAS-Bench-201 cell are computed; every mode gives
// the same function, gradients and BatchNorm statistics and holds the same
// parameters under the same names (tested edge pattern by edge pattern).
enum class ConvFusion {
  // Conv edges that leave one vertex with one kernel size share their input
  // ReLU: they run as one convolution with k*C output channels and one
  // BatchNorm over k*C channels (BatchNorm is per channel), then split.
  Fused,
  Separate,  // one convolution and one BatchNorm per edge, as the benchmark
  // Fused when the network's C is at most kAutoFusionMaxChannels, Separate
  // otherwise: on this machine's oneDNN fusion paid at C = 8 and not at
  // C = 16 (docs/method.md, "Fused convolutions").
  Auto,
};
inline constexpr int kAutoFusionMaxChannels = 8;
std::string_view conv_fusion_name(ConvFusion fusion);  // "fused" | "separate" | "auto"
ConvFusion parse_conv_fusion(std::string_view name);

struct ParameterInfo {
  std::string name;
  std::vector<std::int64_t> shape;
  std::int64_t numel = 0;
};

// Output of one forward + backward pass in training mode (see Network).
struct ForwardBackward {
  std::vector<float> logits;                            // batch x classes, row-major
  double loss = 0.0;                                    // mean cross-entropy
  std::map<std::string, std::vector<float>> gradients;  // by parameter name
};

namespace detail {
struct NetworkImpl;  // the LibTorch module; only src/train sees inside
}

class Network {
 public:
  // Builds on the CPU with PyTorch's default initialization drawn from
  // `seed`, keyed by parameter name (the same seed gives the same weights).
  Network(const cell::CellGraph& graph, const NetworkSpec& spec, std::uint64_t seed,
          EdgeBuild build = EdgeBuild::Pruned, ConvFusion fusion = ConvFusion::Auto);
  ~Network();
  Network(Network&&) noexcept;
  Network& operator=(Network&&) noexcept;
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  const NetworkSpec& spec() const;
  // The graph has no input-to-output path.
  bool disconnected() const;

  // The convolutions the build fused, one line each:
  // "cells.K: edge_J_I+edge_J_L (3x3)". Empty for Separate and DAG networks.
  std::vector<std::string> fused_convolutions() const;

  // Trainable parameters in registration order (BN running stats excluded).
  std::vector<ParameterInfo> parameters() const;
  std::int64_t parameter_count() const;

  // Principled: every row of scale::layer_init_table(graph, shape, options)
  // that the build has is drawn from N(0, row.stddev^2) with a generator
  // seeded by `seed` and the row's name; biases 0, BN weight 1 and bias 0. A
  // weight the table does not name is an internal error (the contract
  // broke). Benchmark: re-draws PyTorch's defaults from `seed`, keyed the
  // same way. Returns the table used (empty for Benchmark).
  std::vector<scale::LayerInit> initialize(Initialization init, const scale::ScalerOptions& options,
                                           std::uint64_t seed);

  // Copies every parameter and BN buffer of this network from `source` by
  // name; each must exist there with the same shape.
  void copy_parameters_from(const Network& source);
  std::vector<float> parameter_values(const std::string& name) const;
  // A BatchNorm buffer ("<module>.running_mean", ".running_var",
  // ".num_batches_tracked") as floats.
  std::vector<float> buffer_values(const std::string& name) const;

  // One training-mode pass over `batch` images (NCHW float32, the spec's
  // shape) with their labels; gradients are of the mean cross-entropy.
  ForwardBackward forward_backward(const float* images, const std::int64_t* labels, std::int64_t batch);

  detail::NetworkImpl& impl();
  const detail::NetworkImpl& impl() const;

 private:
  std::unique_ptr<detail::NetworkImpl> impl_;
};

}  // namespace nasrank::train

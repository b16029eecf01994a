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
// DAG codes (Space::Dag) become the paper's generic networks:
//   MLP: the image is flattened; stem Linear(in_features -> width, no bias) is
//        vertex 0; a `linear` edge is ReLU -> Linear(width, width, no bias); a
//        `skip` edge is identity; vertices sum their incoming edges; readout is
//        ReLU -> Linear(width -> classes, bias).
//   CNN: the same with Conv(q, pad q/2, no bias) for the stem (in_channels ->
//        width) and every `linear` edge, and ReLU -> global average pool ->
//        Linear(width -> classes, bias) as the readout.
//
// Parameter names are the scaler's contract (scale::layer_init_table):
//   stem.conv.weight, stem.bn.{weight,bias}
//   cells.K.edge_J_I.conv.weight, cells.K.edge_J_I.bn.{weight,bias}
//   cells.K.conv_a.conv.weight, cells.K.conv_a.bn.*, cells.K.conv_b.conv.weight,
//   cells.K.conv_b.bn.*, cells.K.shortcut.conv.weight
//   head_bn.{weight,bias}, classifier.{weight,bias}
//   DAG: stem.weight, edge_J_I.weight, readout.{weight,bias}
// K counts every block 0..3N+1, the two basic blocks being K = N and 2N+1;
// edge_J_I is the edge from vertex J into vertex I.
//
// `none` edges and dead edges (non-zero edges on no input-to-output path) are
// not built: at initialization they change no output and no gradient of a
// shared parameter (tested). One difference appears with training: a conv
// edge leaving a vertex that no input reaches gets zeros, so its BatchNorm
// outputs its learned bias; in the benchmark's network such edges add a
// learned term that does not depend on the input (2,000 of the 15,284
// connected cells have one). Pruning drops that term; EdgeBuild::EveryEdge
// keeps it. A disconnected graph (no input-to-output path) builds a network
// whose output does not depend on the input; the trainer does not train it.
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
  int channels = 16;                           // NAS-Bench-201 C, or the DAG network's width
  int cells_per_stage = 5;                     // NAS-Bench-201 N (ignored for DAGs)
  int input_channels = 3;                      // image channels
  int input_height = 32;                       // image height in pixels
  int input_width = 32;                        // image width in pixels
  int num_classes = 10;                        // classifier outputs
  DagNetworkKind dag_kind = DagNetworkKind::Mlp;  // DAG codes only
  int kernel_size = 3;                         // DAG CNN kernel q (odd); ignored otherwise
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
  Pruned,     // only edges on an input-to-output path
  EveryEdge,  // every non-zero edge, `none` computed as zeros (the benchmark's way)
};

struct ParameterInfo {
  std::string name;
  std::vector<std::int64_t> shape;
  std::int64_t numel = 0;
};

// Output of one forward + backward pass in training mode (see Network).
struct ForwardBackward {
  std::vector<float> logits;  // batch x classes, row-major
  double loss = 0.0;          // mean cross-entropy
  std::map<std::string, std::vector<float>> gradients;  // by parameter name
};

namespace detail {
struct NetworkImpl;  // the LibTorch module; only src/train sees inside
}

class Network {
 public:
  // Builds on the CPU with LibTorch's default initialization drawn from
  // `seed` (the same seed gives the same weights).
  Network(const cell::CellGraph& graph, const NetworkSpec& spec, std::uint64_t seed,
          EdgeBuild build = EdgeBuild::Pruned);
  ~Network();
  Network(Network&&) noexcept;
  Network& operator=(Network&&) noexcept;
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  const NetworkSpec& spec() const;
  // The graph has no input-to-output path.
  bool disconnected() const;

  // Trainable parameters in registration order (BN running stats excluded).
  std::vector<ParameterInfo> parameters() const;
  std::int64_t parameter_count() const;

  // Principled: every row of scale::layer_init_table(graph, shape, options)
  // is drawn from N(0, row.stddev^2) with a generator seeded by `seed`;
  // biases 0, BN weight 1 and bias 0. A weight the table does not name is an
  // internal error (the contract broke). Benchmark: re-draws LibTorch's
  // defaults from `seed`. Returns the table used (empty for Benchmark).
  std::vector<scale::LayerInit> initialize(Initialization init, const scale::ScalerOptions& options,
                                           std::uint64_t seed);

  // Copies every parameter and BN buffer of this network from `source` by
  // name; each must exist there with the same shape.
  void copy_parameters_from(const Network& source);
  std::vector<float> parameter_values(const std::string& name) const;

  // One training-mode pass over `batch` images (NCHW float32, the spec's
  // shape) with their labels; gradients are of the mean cross-entropy.
  ForwardBackward forward_backward(const float* images, const std::int64_t* labels, std::int64_t batch);

  detail::NetworkImpl& impl();
  const detail::NetworkImpl& impl() const;

 private:
  std::unique_ptr<detail::NetworkImpl> impl_;
};

}  // namespace nasrank::train

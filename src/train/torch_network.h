#pragma once
// The LibTorch modules behind train::Network. Private to src/train: nothing
// outside this folder may include LibTorch.
#include "nasrank/cell/graph.h"
#include "nasrank/train/network.h"

#include <torch/torch.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

namespace nasrank::train::detail {

// A module with one tensor in and one out, so blocks of different kinds can
// be stacked in one list.
class Block : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& input) = 0;
};

// Conv (no bias) followed by BatchNorm; the caller applies the ReLU so that
// every conv edge leaving the same vertex shares one ReLU of it.
class ConvBn : public torch::nn::Module {
 public:
  ConvBn(std::int64_t in_channels, std::int64_t out_channels, std::int64_t kernel, std::int64_t stride);
  torch::Tensor forward(const torch::Tensor& relu_input) { return bn->forward(conv->forward(relu_input)); }

  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};

// Conv edges of one cell that leave the same vertex with the same kernel
// size, computed as ONE convolution with k*C output channels and ONE
// BatchNorm over k*C channels, then split into the k edges' terms. They share
// their input (the ReLU of the source vertex) and BatchNorm is per channel,
// so this is the same function, gradients and running statistics as k
// separate ConvBn; the parameters stay each edge's own (same names, same
// draws), concatenated at every pass (a few thousand floats).
class FusedConvBn {
 public:
  FusedConvBn(std::vector<std::shared_ptr<ConvBn>> members, std::int64_t kernel);
  // One term per member, in member order; `training` as the module's mode.
  std::vector<torch::Tensor> forward(const torch::Tensor& relu_input, bool training) const;
  std::size_t size() const { return members_.size(); }

 private:
  std::vector<std::shared_ptr<ConvBn>> members_;
  std::int64_t kernel_ = 3;
};

// One edge of a cell as it is computed.
struct CellEdge {
  int from = 0;
  int to = 0;
  cell::Op op = cell::Op::None;
  // The source vertex is identically zero (cell::EdgeEffect::ConstantFromZero)
  // and the build does not compute it.
  bool from_zero = false;
  // The weights of a parameterized edge (at most one is set).
  std::shared_ptr<ConvBn> conv_bn;                // NAS-Bench-201 conv edge
  std::shared_ptr<torch::nn::Conv2dImpl> conv;    // DAG CNN edge
  std::shared_ptr<torch::nn::LinearImpl> linear;  // DAG MLP edge
};

// Which edges of a graph are built, in computation order (by target vertex,
// then source); `from_zero` as in CellEdge.
struct BuiltEdge {
  cell::Edge edge;
  bool from_zero = false;
};
std::vector<BuiltEdge> built_edges(const cell::CellGraph& graph, EdgeBuild build);

// A NAS-Bench-201 cell: vertex i = sum of op_ji(vertex j) over built edges.
class Nb201Cell : public Block {
 public:
  Nb201Cell(const cell::CellGraph& graph, std::int64_t channels, EdgeBuild build, ConvFusion fusion);
  torch::Tensor forward(const torch::Tensor& input) override;
  // "edge_J_I+edge_J_K (3x3)" per fused convolution.
  std::vector<std::string> fused_groups() const;

 private:
  // What forward does next: one edge, or one fused convolution (whose
  // members' CellEdges say where each term goes).
  struct Step {
    std::size_t edge = 0;              // index into edges_ (the first member of a group)
    int group = -1;                    // index into groups_, or -1
    std::vector<std::size_t> members;  // the group's edges, in its member order
  };
  torch::Tensor edge_term(const CellEdge& edge, const torch::Tensor& input,
                          std::array<torch::Tensor, cell::kNb201Vertices>& vertex,
                          std::array<torch::Tensor, cell::kNb201Vertices>& relu_of);

  std::vector<CellEdge> edges_;
  std::vector<FusedConvBn> groups_;
  std::vector<Step> steps_;
  int num_vertices_ = 0;
};

// The ResNet basic block between the stages.
class BasicBlock : public Block {
 public:
  BasicBlock(std::int64_t in_channels, std::int64_t out_channels);
  torch::Tensor forward(const torch::Tensor& input) override;

 private:
  std::shared_ptr<ConvBn> conv_a_;
  std::shared_ptr<ConvBn> conv_b_;
  torch::nn::AvgPool2d shortcut_pool_{nullptr};
  torch::nn::Conv2d shortcut_conv_{nullptr};
};

// The root module of every network.
class Model : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& images) = 0;
};

class TinyNetwork : public Model {
 public:
  TinyNetwork(const cell::CellGraph& graph, const NetworkSpec& spec, EdgeBuild build, ConvFusion fusion);
  torch::Tensor forward(const torch::Tensor& images) override;
  // "cells.K: <group>" per fused convolution of every cell.
  std::vector<std::string> fused_groups() const;

 private:
  std::shared_ptr<ConvBn> stem_;
  std::vector<std::shared_ptr<Block>> blocks_;
  torch::nn::BatchNorm2d head_bn_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};

// The paper's generic DAG network, MLP or CNN (see network.h).
class DagNetwork : public Model {
 public:
  DagNetwork(const cell::CellGraph& graph, const NetworkSpec& spec, EdgeBuild build);
  torch::Tensor forward(const torch::Tensor& images) override;

 private:
  bool convolutional_ = false;
  int num_vertices_ = 0;
  torch::nn::Conv2d stem_conv_{nullptr};
  torch::nn::Linear stem_linear_{nullptr};
  std::vector<CellEdge> edges_;
  torch::nn::Linear readout_{nullptr};
};

struct NetworkImpl {
  cell::CellGraph graph;
  NetworkSpec spec;
  EdgeBuild build = EdgeBuild::Pruned;
  ConvFusion fusion = ConvFusion::Auto;
  bool disconnected = false;
  std::shared_ptr<Model> model;
};

// Stores every 4-d weight in channels-last (NHWC) order; inputs given in the
// same order then keep the whole network NHWC.
void use_channels_last(Model& model);

// Builds the model on the CPU with LibTorch's default initialization drawn
// from the global generator seeded with `seed`.
std::shared_ptr<Model> build_model(const cell::CellGraph& graph, const NetworkSpec& spec, EdgeBuild build,
                                   ConvFusion fusion, std::uint64_t seed);

}  // namespace nasrank::train::detail

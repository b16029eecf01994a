#include "nasrank/train/cost.h"

#include "nasrank/cell/facts.h"
#include "nasrank/common/error.h"

#include <map>

namespace nasrank::train {
namespace {

using Count = std::int64_t;

struct Tally {
  CostCount benchmark;
  CostCount built;
  void add_always(Count params, Count flops) { add_edge(params, flops, cell::EdgeEffect::Computed); }
  // An edge's weights exist in the default build unless it has no effect; a
  // constant term out of a zero vertex is computed as BatchNorm's bias alone
  // (NAS-Bench-201) or as a block over zeros (DAG: counted in full).
  void add_edge(Count params, Count flops, cell::EdgeEffect effect, bool bias_only_when_constant = false) {
    benchmark.params += params;
    benchmark.flops += flops;
    if (effect == cell::EdgeEffect::NoEffect) return;
    built.params += params;
    if (!(bias_only_when_constant && effect == cell::EdgeEffect::ConstantFromZero)) built.flops += flops;
  }
};

// Conv without bias: one multiply-add per weight per output position.
Count conv_flops(Count out_h, Count out_w, Count in_channels, Count out_channels, Count kernel) {
  return out_h * out_w * in_channels * out_channels * kernel * kernel;
}
Count conv_params(Count in_channels, Count out_channels, Count kernel) {
  return in_channels * out_channels * kernel * kernel;
}
Count batch_norm_params(Count channels) { return 2 * channels; }

int kernel_of(cell::Op op) { return op == cell::Op::Conv1x1 ? 1 : 3; }

void tally_nb201_cell(Tally& tally, const std::vector<cell::Edge>& edges, const std::vector<cell::EdgeEffect>& effects,
                      Count channels, Count h, Count w) {
  for (std::size_t k = 0; k < edges.size(); ++k) {
    const cell::Op op = edges[k].op;
    if (op != cell::Op::Conv1x1 && op != cell::Op::Conv3x3) continue;
    const Count kernel = kernel_of(op);
    tally.add_edge(conv_params(channels, channels, kernel) + batch_norm_params(channels),
                   conv_flops(h, w, channels, channels, kernel), effects[k], /*bias_only_when_constant=*/true);
  }
}

void tally_basic_block(Tally& tally, Count in_channels, Count out_channels, Count& h, Count& w) {
  const Count out_h = (h - 1) / 2 + 1;  // Conv3x3, stride 2, pad 1
  const Count out_w = (w - 1) / 2 + 1;
  tally.add_always(conv_params(in_channels, out_channels, 3) + batch_norm_params(out_channels),
                   conv_flops(out_h, out_w, in_channels, out_channels, 3));
  tally.add_always(conv_params(out_channels, out_channels, 3) + batch_norm_params(out_channels),
                   conv_flops(out_h, out_w, out_channels, out_channels, 3));
  tally.add_always(conv_params(in_channels, out_channels, 1), conv_flops(out_h, out_w, in_channels, out_channels, 1));
  h = out_h;
  w = out_w;
}

Tally nb201_cost(const cell::CellGraph& graph, const NetworkSpec& spec) {
  Tally tally;
  const std::vector<cell::Edge> edges = graph.edges();
  const std::vector<cell::EdgeEffect> effects = cell::edge_effects(graph);
  const Count c = spec.channels;
  Count h = spec.input_height;
  Count w = spec.input_width;
  tally.add_always(conv_params(spec.input_channels, c, 3) + batch_norm_params(c),
                   conv_flops(h, w, spec.input_channels, c, 3));
  Count channels = c;
  for (int stage = 0; stage < 3; ++stage) {
    if (stage > 0) {
      tally_basic_block(tally, channels, 2 * channels, h, w);
      channels *= 2;
    }
    for (int k = 0; k < spec.cells_per_stage; ++k) tally_nb201_cell(tally, edges, effects, channels, h, w);
  }
  tally.add_always(batch_norm_params(channels), 0);
  tally.add_always(channels * spec.num_classes + spec.num_classes, channels * spec.num_classes + spec.num_classes);
  return tally;
}

Tally dag_cost(const cell::CellGraph& graph, const NetworkSpec& spec) {
  Tally tally;
  const std::vector<cell::Edge> edges = graph.edges();
  const std::vector<cell::EdgeEffect> effects = cell::edge_effects(graph);
  const Count width = spec.channels;
  // The reference's blocks carry a bias: one parameter and, per output
  // position, one multiply-add per output channel.
  if (spec.dag_kind == DagNetworkKind::Mlp) {
    const Count in_features = Count{spec.input_channels} * spec.input_height * spec.input_width;
    tally.add_always(in_features * width + width, in_features * width + width);
    for (std::size_t k = 0; k < edges.size(); ++k)
      if (cell::is_parameterized(edges[k].op)) tally.add_edge(width * width + width, width * width + width, effects[k]);
  } else {
    const Count q = spec.kernel_size;
    const Count h = spec.input_height;
    const Count w = spec.input_width;
    tally.add_always(conv_params(spec.input_channels, width, q) + width,
                     conv_flops(h, w, spec.input_channels, width, q) + h * w * width);
    for (std::size_t k = 0; k < edges.size(); ++k)
      if (cell::is_parameterized(edges[k].op))
        tally.add_edge(conv_params(width, width, q) + width, conv_flops(h, w, width, width, q) + h * w * width,
                       effects[k]);
  }
  tally.add_always(width * spec.num_classes + spec.num_classes, width * spec.num_classes + spec.num_classes);
  return tally;
}

}  // namespace

NetworkCost network_cost(const cell::CellGraph& graph, const NetworkSpec& spec) {
  validate(spec, graph.space());
  const Tally tally = graph.space() == cell::Space::Nb201 ? nb201_cost(graph, spec) : dag_cost(graph, spec);
  return NetworkCost{tally.benchmark, tally.built};
}

DatasetShape dataset_shape(const std::string& dataset_key) {
  static const std::map<std::string, DatasetShape> shapes{
      {"cifar10", {3, 32, 32, 10}},         {"cifar10-valid", {3, 32, 32, 10}}, {"cifar100", {3, 32, 32, 100}},
      {"ImageNet16-120", {3, 16, 16, 120}}, {"fashion-mnist", {1, 28, 28, 10}}, {"mnist", {1, 28, 28, 10}},
      {"synthetic", {3, 32, 32, 10}}};
  const auto it = shapes.find(dataset_key);
  if (it == shapes.end()) {
    std::string known;
    for (const auto& item : shapes) known += (known.empty() ? "" : ", ") + item.first;
    throw InputError("dataset '" + dataset_key + "': unknown key (known: " + known + ")");
  }
  return it->second;
}

NetworkSpec network_spec_for_dataset(const NetworkSpec& config, const std::string& dataset_key) {
  const DatasetShape shape = dataset_shape(dataset_key);
  NetworkSpec spec = config;
  spec.input_channels = shape.channels;
  spec.input_height = shape.height;
  spec.input_width = shape.width;
  spec.num_classes = shape.num_classes;
  return spec;
}

}  // namespace nasrank::train

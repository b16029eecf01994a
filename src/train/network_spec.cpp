// The torch-free half of network.h: names, validation and the scaler's view.
#include "nasrank/common/error.h"
#include "nasrank/train/network.h"

#include <string>

namespace nasrank::train {
namespace {

void require_range(const char* field, long long value, long long low, long long high) {
  if (value < low || value > high)
    throw InputError("network " + std::string(field) + " = " + std::to_string(value) + ": must be in " +
                     std::to_string(low) + ".." + std::to_string(high));
}

}  // namespace

std::string_view dag_kind_name(DagNetworkKind kind) { return kind == DagNetworkKind::Mlp ? "mlp" : "cnn"; }

DagNetworkKind parse_dag_kind(std::string_view name) {
  if (name == "mlp") return DagNetworkKind::Mlp;
  if (name == "cnn") return DagNetworkKind::Cnn;
  throw InputError("DAG network kind '" + std::string(name) + "': expected 'mlp' or 'cnn'");
}

std::string_view initialization_name(Initialization init) {
  return init == Initialization::Benchmark ? "benchmark" : "principled";
}

Initialization parse_initialization(std::string_view name) {
  if (name == "benchmark") return Initialization::Benchmark;
  if (name == "principled") return Initialization::Principled;
  throw InputError("initialization '" + std::string(name) + "': expected 'benchmark' or 'principled'");
}

std::string_view conv_fusion_name(ConvFusion fusion) {
  switch (fusion) {
    case ConvFusion::Fused:
      return "fused";
    case ConvFusion::Separate:
      return "separate";
    case ConvFusion::Auto:
      break;
  }
  return "auto";
}

ConvFusion parse_conv_fusion(std::string_view name) {
  if (name == "fused") return ConvFusion::Fused;
  if (name == "separate") return ConvFusion::Separate;
  if (name == "auto") return ConvFusion::Auto;
  throw InputError("conv fusion '" + std::string(name) + "': expected 'auto', 'fused' or 'separate'");
}

std::string edge_module_name(int from, int to) { return "edge_" + std::to_string(from) + "_" + std::to_string(to); }

void validate(const NetworkSpec& spec, cell::Space space) {
  require_range("channels", spec.channels, 1, 4096);
  require_range("input_channels", spec.input_channels, 1, 4096);
  require_range("input_height", spec.input_height, 1, 4096);
  require_range("input_width", spec.input_width, 1, 4096);
  require_range("num_classes", spec.num_classes, 2, 100000);
  if (space == cell::Space::Nb201) {
    require_range("cells_per_stage", spec.cells_per_stage, 0, 64);
    if (spec.input_height % 4 != 0 || spec.input_width % 4 != 0)
      throw InputError("network input " + std::to_string(spec.input_height) + "x" + std::to_string(spec.input_width) +
                       ": a NAS-Bench-201 network needs height and width divisible by 4 (two stride-2 blocks)");
  } else if (spec.dag_kind == DagNetworkKind::Cnn) {
    require_range("kernel_size", spec.kernel_size, 1, 15);
    if (spec.kernel_size % 2 == 0)
      throw InputError("network kernel_size = " + std::to_string(spec.kernel_size) + ": must be odd");
  }
}

scale::NetworkShape network_shape(const cell::CellGraph& graph, const NetworkSpec& spec) {
  scale::NetworkShape shape;
  shape.channels = spec.channels;
  shape.cells_per_stage = spec.cells_per_stage;
  shape.num_classes = spec.num_classes;
  shape.input_channels = spec.input_channels;
  if (graph.space() == cell::Space::Dag && spec.dag_kind == DagNetworkKind::Mlp)
    shape.input_channels = spec.input_channels * spec.input_height * spec.input_width;
  return shape;
}

scale::ScalerOptions scaler_options_for(const cell::CellGraph& graph, const NetworkSpec& spec,
                                        scale::ScalerOptions options) {
  if (graph.space() == cell::Space::Dag && spec.dag_kind == DagNetworkKind::Cnn) options.kernel_size = spec.kernel_size;
  return options;
}

}  // namespace nasrank::train

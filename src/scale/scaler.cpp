#include "nasrank/scale/scaler.h"

#include "nasrank/cell/facts.h"
#include "nasrank/common/enum_names.h"
#include "nasrank/common/error.h"

#include <cmath>
#include <iomanip>
#include <sstream>

namespace nasrank::scale {
namespace {

// Shortest round-trip-ish text for a number in a message (1.79e+308, 0.46, nan).
std::string number_text(double value) {
  std::ostringstream out;
  out << std::setprecision(6) << value;
  return out.str();
}

constexpr EnumNames<DepthConvention, 3> kConventionNames{{{{DepthConvention::Nb201Reference, "nb201-reference"},
                                                           {DepthConvention::DagReference, "dag-reference"},
                                                           {DepthConvention::ReluCount, "relu-count"}}}};
constexpr EnumNames<DegreeChoice, 2> kDegreeNames{
    {{{DegreeChoice::Source, "source"}, {DegreeChoice::Target, "target"}}}};
constexpr EnumNames<ScaleStatus, 3> kStatusNames{{{{ScaleStatus::Ok, "ok"},
                                                   {ScaleStatus::Disconnected, "disconnected"},
                                                   {ScaleStatus::NoParameterizedPath, "no-parameterized-path"}}}};

constexpr int kDagReferenceDepthOffset = 3;  // reference code: L_p = linear edges + 3
constexpr int kBaseKernelSize = 3;           // kernel factor is 3/q

bool has_kernel_factor(DepthConvention convention) { return convention != DepthConvention::Nb201Reference; }

int path_depth(const cell::Path& path, DepthConvention convention) {
  switch (convention) {
    case DepthConvention::Nb201Reference:
      return 1 + path.parameterized_edges;
    case DepthConvention::DagReference:
      return kDagReferenceDepthOffset + path.parameterized_edges;
    case DepthConvention::ReluCount:
      return path.parameterized_edges;
  }
  NASRANK_CHECK(false, "unknown depth convention");
}

std::vector<int> base_depths(DepthConvention convention) {
  return {convention == DepthConvention::DagReference ? kDagReferenceDepthOffset : 1};
}

double sum_cubes(const std::vector<int>& depths) {
  double sum = 0.0;
  for (int depth : depths) sum += std::pow(static_cast<double>(depth), 3.0);
  return sum;
}

void validate(const ScalerOptions& options) {
  if (!std::isfinite(options.base_lr) || options.base_lr <= 0.0)
    throw InputError("base learning rate " + number_text(options.base_lr) + " must be a positive finite number");
  if (options.kernel_size && (*options.kernel_size < 1 || *options.kernel_size > 15 || *options.kernel_size % 2 == 0))
    throw InputError("kernel size " + std::to_string(*options.kernel_size) + " must be odd and in 1..15");
}

}  // namespace

std::string_view convention_name(DepthConvention convention) { return kConventionNames.name(convention, "?"); }

std::string_view degree_name(DegreeChoice degree) { return kDegreeNames.name(degree, "target"); }

DepthConvention parse_convention(std::string_view name) {
  if (const auto convention = kConventionNames.find(name)) return *convention;
  throw InputError("depth convention '" + std::string(name) + "' is unknown (expected " + kConventionNames.choices() +
                   ")");
}

DegreeChoice parse_degree(std::string_view name) {
  if (const auto degree = kDegreeNames.find(name)) return *degree;
  throw InputError("in-degree choice '" + std::string(name) + "' is unknown (expected " + kDegreeNames.choices() + ")");
}

DepthConvention default_convention(cell::Space space) {
  return space == cell::Space::Nb201 ? DepthConvention::Nb201Reference : DepthConvention::DagReference;
}

std::string_view status_name(ScaleStatus status) { return kStatusNames.name(status, "?"); }

LearningRateResult learning_rate(const cell::CellGraph& graph, const ScalerOptions& options) {
  validate(options);
  LearningRateResult result;
  result.convention = options.convention.value_or(default_convention(graph.space()));
  result.base_depths = base_depths(result.convention);
  const std::vector<cell::Path> paths = cell::enumerate_paths(graph);
  if (paths.empty()) {
    result.status = ScaleStatus::Disconnected;
    return result;
  }
  bool any_parameterized = false;
  for (const cell::Path& path : paths) {
    result.path_depths.push_back(path_depth(path, result.convention));
    any_parameterized = any_parameterized || path.parameterized_edges > 0;
  }
  // The reference code treats a DAG whose every path is skip-only as the
  // single base path: the network is then stem -> readout.
  if (result.convention == DepthConvention::DagReference && !any_parameterized) result.path_depths = result.base_depths;
  result.sum_cubed_depths = sum_cubes(result.path_depths);
  if (result.sum_cubed_depths <= 0.0) {
    result.status = ScaleStatus::NoParameterizedPath;
    return result;
  }
  if (options.kernel_size && has_kernel_factor(result.convention))
    result.kernel_factor = static_cast<double>(kBaseKernelSize) / *options.kernel_size;
  result.learning_rate =
      options.base_lr * std::sqrt(sum_cubes(result.base_depths) / result.sum_cubed_depths) * result.kernel_factor;
  // A finite base can still overflow once scaled (1.79e308 with kernel 1).
  if (!std::isfinite(result.learning_rate))
    throw InputError(
        "base learning rate " + number_text(options.base_lr) + " scaled by " +
        number_text(std::sqrt(sum_cubes(result.base_depths) / result.sum_cubed_depths) * result.kernel_factor) +
        " is not a finite learning rate");
  return result;
}

namespace {

enum class Fan { In, Out };

LayerInit he_layer(std::string name, std::vector<std::int64_t> shape, int in_degree, std::string rule,
                   Fan fan = Fan::In) {
  LayerInit layer;
  std::int64_t area = 1;
  for (std::size_t k = 2; k < shape.size(); ++k) area *= shape[k];
  layer.fan_in = shape[1] * area;
  layer.fan_out = shape[0] * area;
  layer.name = std::move(name);
  layer.shape = std::move(shape);
  layer.in_degree = std::max(in_degree, 1);
  const std::int64_t n = fan == Fan::In ? layer.fan_in : layer.fan_out;
  layer.stddev = std::sqrt(2.0 / (static_cast<double>(n) * layer.in_degree));
  layer.rule = std::move(rule);
  return layer;
}

// The reference draws the output layer with std = (sqrt(2 / fan))^2, the
// mean-field (muP-style) output scaling; NAS-Bench-201's TinyNetwork uses
// fan_in, the DAG networks fan_out (= the number of classes).
LayerInit output_layer(std::string name, std::int64_t classes, std::int64_t fan_in, Fan fan) {
  LayerInit layer;
  layer.name = std::move(name);
  layer.shape = {classes, fan_in};
  layer.fan_in = fan_in;
  layer.fan_out = classes;
  layer.in_degree = 1;
  layer.stddev = 2.0 / static_cast<double>(fan == Fan::In ? fan_in : classes);
  layer.rule = fan == Fan::In ? "output-2/fan_in" : "output-2/fan_out";
  return layer;
}

struct WeightedEdge {
  cell::Edge edge;
  int degree = 1;
  bool computed = true;
};

// Every non-zero parameterized edge and the in-degree its init divides by.
std::vector<WeightedEdge> parameterized_edges(const cell::CellGraph& graph, DegreeChoice choice) {
  const std::vector<cell::Edge> edges = graph.edges();
  const std::vector<cell::EdgeEffect> effects = cell::edge_effects(graph);
  std::vector<int> degrees = cell::nonzero_in_degrees(graph);
  degrees[0] = 1;  // the cell (or network) input is one tensor
  std::vector<WeightedEdge> out;
  for (std::size_t k = 0; k < edges.size(); ++k) {
    if (!cell::is_parameterized(edges[k].op)) continue;
    const int vertex = choice == DegreeChoice::Source ? edges[k].from : edges[k].to;
    out.push_back({edges[k], degrees[static_cast<std::size_t>(vertex)], effects[k] != cell::EdgeEffect::NoEffect});
  }
  return out;
}

std::string edge_suffix(const cell::Edge& e) { return "edge_" + std::to_string(e.from) + "_" + std::to_string(e.to); }

void validate_shape(const NetworkShape& shape, cell::Space space) {
  auto positive = [](int value, const char* what) {
    if (value < 1) throw InputError(std::string(what) + " " + std::to_string(value) + " must be at least 1");
  };
  positive(shape.channels, "channels");
  positive(shape.input_channels, "input channels");
  positive(shape.num_classes, "number of classes");
  if (space == cell::Space::Nb201) positive(shape.cells_per_stage, "cells per stage");
}

}  // namespace

std::vector<LayerInit> layer_init_table(const cell::CellGraph& graph, const NetworkShape& shape,
                                        const ScalerOptions& options) {
  validate(options);
  validate_shape(shape, graph.space());
  const std::vector<WeightedEdge> edges = parameterized_edges(graph, options.degree);
  std::vector<LayerInit> layers;
  if (graph.space() == cell::Space::Nb201) {
    const std::int64_t c = shape.channels;
    layers.push_back(he_layer("stem.conv.weight", {c, shape.input_channels, 3, 3}, 1, "he-fan-in"));
    int cell_index = 0;
    for (int stage = 0; stage < 3; ++stage) {
      const std::int64_t channels = c << stage;
      if (stage > 0) {
        // ResNet basic block between stages; reference in-degrees: conv_a and
        // the shortcut see the block input twice over (d = 2), conv_b once.
        const std::string prefix = "cells." + std::to_string(cell_index++) + ".";
        const std::int64_t in = channels / 2;
        layers.push_back(he_layer(prefix + "conv_a.conv.weight", {channels, in, 3, 3}, 2, "he-fan-in/degree"));
        layers.push_back(he_layer(prefix + "conv_b.conv.weight", {channels, channels, 3, 3}, 1, "he-fan-in/degree"));
        layers.push_back(he_layer(prefix + "shortcut.conv.weight", {channels, in, 1, 1}, 2, "he-fan-in/degree"));
      }
      for (int k = 0; k < shape.cells_per_stage; ++k, ++cell_index) {
        for (const WeightedEdge& e : edges) {
          const std::int64_t kernel = e.edge.op == cell::Op::Conv1x1 ? 1 : 3;
          layers.push_back(he_layer("cells." + std::to_string(cell_index) + "." + edge_suffix(e.edge) + ".conv.weight",
                                    {channels, channels, kernel, kernel}, e.degree, "he-fan-in/degree"));
          layers.back().computed = e.computed;
        }
      }
    }
    layers.push_back(output_layer("classifier.weight", shape.num_classes, 4 * c, Fan::In));
    return layers;
  }
  // Generic DAG networks: an MLP, or a CNN with kernel q when a kernel size is set.
  const std::int64_t width = shape.channels;
  std::vector<std::int64_t> kernel_dims;
  if (options.kernel_size) kernel_dims = {*options.kernel_size, *options.kernel_size};
  auto with_kernel = [&](std::vector<std::int64_t> dims) {
    dims.insert(dims.end(), kernel_dims.begin(), kernel_dims.end());
    return dims;
  };
  layers.push_back(he_layer("stem.weight", with_kernel({width, shape.input_channels}), 1, "he-fan-out", Fan::Out));
  for (const WeightedEdge& e : edges) {
    layers.push_back(he_layer(edge_suffix(e.edge) + ".weight", with_kernel({width, width}), e.degree,
                              "he-fan-out/degree", Fan::Out));
    layers.back().computed = e.computed;
  }
  layers.push_back(output_layer("readout.weight", shape.num_classes, width, Fan::Out));
  return layers;
}

}  // namespace nasrank::scale

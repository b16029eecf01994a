// `nasrank scale`: the paper's learning rate and per-layer initialization.
#include "cli_common.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/cell/graph.h"
#include "nasrank/common/error.h"
#include "nasrank/scale/calibration.h"
#include "nasrank/scale/scaler.h"

#include <cstdio>
#include <iostream>
#include <memory>

namespace nasrank::cli {
namespace {

struct ScaleOptions {
  std::vector<std::string> encodings;
  std::string space;
  double base_lr = scale::kDefaultNb201BaseLr;
  std::string calibration;
  std::string convention;
  std::string degree = "source";
  int kernel_size = 0;
  bool layers = false;
  scale::NetworkShape shape;
  Format format = Format::Table;
};

std::string shortest(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

std::string join_ints(const std::vector<int>& values) {
  std::string out;
  for (std::size_t k = 0; k < values.size(); ++k) out += (k ? " " : "") + std::to_string(values[k]);
  return out;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string out;
  for (std::size_t k = 0; k < shape.size(); ++k) out += (k ? "x" : "") + std::to_string(shape[k]);
  return out;
}

scale::ScalerOptions scaler_options(const ScaleOptions& o) {
  scale::ScalerOptions options;
  options.base_lr = o.calibration.empty() ? o.base_lr : scale::read_calibration(o.calibration).base_lr;
  if (!o.convention.empty()) options.convention = scale::parse_convention(o.convention);
  options.degree = scale::parse_degree(o.degree);
  if (o.kernel_size != 0) options.kernel_size = o.kernel_size;
  return options;
}

struct Scaled {
  std::string input;
  cell::CellGraph graph;
  scale::LearningRateResult lr;
};

nlohmann::json lr_json(const scale::LearningRateResult& lr) {
  return lr.status == scale::ScaleStatus::Ok ? nlohmann::json(lr.learning_rate) : nlohmann::json(nullptr);
}

int run_scale(const ScaleOptions& o) {
  if (o.encodings.empty() && o.space.empty()) throw InputError("nothing to scale: give encodings or --space nb201");
  const scale::ScalerOptions options = scaler_options(o);
  int exit_code = kExitOk;
  std::vector<Scaled> rows;
  auto add = [&](const std::string& input, cell::CellGraph graph) {
    auto lr = scale::learning_rate(graph, options);
    rows.push_back({input, std::move(graph), std::move(lr)});
  };
  if (o.space == "nb201") {
    rows.reserve(cell::kNb201SpaceSize);
    for (int index = 0; index < cell::kNb201SpaceSize; ++index)
      add(std::to_string(index), cell::from_benchmark_index(index));
  }
  for (const std::string& input : o.encodings) {
    try {
      add(input, cell::parse_encoding(input));
    } catch (const InputError& e) {
      std::cerr << "error: " << e.what() << "\n";
      exit_code = kExitBadInput;
    }
  }

  // Nothing scaled (every input refused): nothing on stdout, not even a header.
  if (rows.empty()) return exit_code;

  const std::vector<std::string> columns{"input",         "benchmark_index", "convention",
                                         "paths",         "path_depths",     "sum_cubed_depths",
                                         "kernel_factor", "learning_rate",   "status"};
  if (o.format == Format::Csv && !o.layers) {
    // All 15,625 cells are a common request; format them without a JSON detour.
    std::string out =
        "input,benchmark_index,convention,paths,path_depths,sum_cubed_depths,kernel_factor,learning_rate,status\n";
    out.reserve(rows.size() * 96);
    for (const Scaled& r : rows) {
      const auto index = cell::to_benchmark_index(r.graph);
      out += (r.input.find(',') == std::string::npos ? r.input : "\"" + r.input + "\"") + ",";
      out += (index ? std::to_string(*index) : "") + ",";
      out += std::string(scale::convention_name(r.lr.convention)) + "," + std::to_string(r.lr.path_depths.size()) + ",";
      out += join_ints(r.lr.path_depths) + "," + shortest(r.lr.sum_cubed_depths) + "," + shortest(r.lr.kernel_factor) +
             ",";
      out += (r.lr.status == scale::ScaleStatus::Ok ? shortest(r.lr.learning_rate) : "") + ",";
      out += std::string(scale::status_name(r.lr.status)) + "\n";
    }
    write_stdout(out);
    return exit_code;
  }

  ResultTable summary(columns);
  ResultTable layer_rows({"input", "layer", "shape", "fan_in", "fan_out", "in_degree", "std", "rule", "computed"});
  nlohmann::json documents = nlohmann::json::array();
  std::string table_text;
  for (const Scaled& r : rows) {
    const auto index = cell::to_benchmark_index(r.graph);
    std::vector<nlohmann::json> cells{r.input,
                                      index ? nlohmann::json(*index) : nlohmann::json(nullptr),
                                      std::string(scale::convention_name(r.lr.convention)),
                                      r.lr.path_depths.size(),
                                      join_ints(r.lr.path_depths),
                                      r.lr.sum_cubed_depths,
                                      r.lr.kernel_factor,
                                      lr_json(r.lr),
                                      std::string(scale::status_name(r.lr.status))};
    std::vector<scale::LayerInit> layers;
    if (o.layers) layers = scale::layer_init_table(r.graph, o.shape, options);
    if (o.format == Format::Json) {
      nlohmann::json doc = nlohmann::json::object();
      for (std::size_t c = 0; c < columns.size(); ++c) doc[columns[c]] = cells[c];
      doc["path_depths"] = r.lr.path_depths;
      doc["base_depths"] = r.lr.base_depths;
      doc["base_lr"] = options.base_lr;
      doc["degree"] = std::string(scale::degree_name(options.degree));
      if (o.layers) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& l : layers)
          list.push_back({{"name", l.name},
                          {"shape", l.shape},
                          {"fan_in", l.fan_in},
                          {"fan_out", l.fan_out},
                          {"in_degree", l.in_degree},
                          {"std", l.stddev},
                          {"rule", l.rule},
                          {"computed", l.computed}});
        doc["layers"] = list;
      }
      documents.push_back(std::move(doc));
    } else if (o.layers) {
      for (const auto& l : layers)
        layer_rows.add_row({r.input, l.name, shape_text(l.shape), l.fan_in, l.fan_out, l.in_degree, shortest(l.stddev),
                            l.rule, l.computed});
      if (o.format == Format::Table) {
        ResultTable one(columns);
        one.add_row(cells);
        table_text +=
            (table_text.empty() ? "" : "\n") + one.render(Format::Table) + "\n" + layer_rows.render(Format::Table);
        layer_rows =
            ResultTable({"input", "layer", "shape", "fan_in", "fan_out", "in_degree", "std", "rule", "computed"});
      }
    } else {
      summary.add_row(std::move(cells));
    }
  }
  if (o.format == Format::Json)
    write_stdout(documents.dump(2) + "\n");
  else if (o.layers && o.format == Format::Csv)
    write_stdout(layer_rows.render(Format::Csv));
  else if (o.layers)
    write_stdout(table_text);
  else
    write_stdout(summary.render(o.format));
  return exit_code;
}

}  // namespace

void add_scale_command(CLI::App& app, CommandRunner& run) {
  auto o = std::make_shared<ScaleOptions>();
  auto* cmd = app.add_subcommand(
      "scale", "Architecture-aware learning rate and per-layer initialization (Chen et al., ICLR 2024)");
  cmd->add_option("encoding", o->encodings, "Architectures (any encoding `nasrank parse` accepts)");
  cmd->add_option("--space", o->space, "Scale every cell of a space")->check(CLI::IsMember({"nb201"}));
  auto* base = cmd->add_option("--base-lr", o->base_lr, "Learning rate of the base architecture")
                   ->check(positive_number())
                   ->default_val(scale::kDefaultNb201BaseLr);
  cmd->add_option("--calibration", o->calibration, "Read the base learning rate from a `nasrank calibrate` file")
      ->check(CLI::ExistingFile)
      ->excludes(base);
  cmd->add_option("--depth-convention", o->convention,
                  "nb201-reference (default for NAS-Bench-201), dag-reference (default for DAGs) or relu-count");
  cmd->add_option("--degree", o->degree,
                  "In-degree that divides the init variance: source (reference) or target (appendix)")
      ->check(CLI::IsMember({"source", "target"}))
      ->default_val("source");
  cmd->add_option("--kernel-size", o->kernel_size, "CNN kernel size q (lr times 3/q where the convention says so)")
      ->check(CLI::Range(1, 15));
  cmd->add_flag("--layers", o->layers, "Also print the per-layer initialization table of the whole network");
  cmd->add_option("--channels", o->shape.channels, "Network width C (NAS-Bench-201: 16)")
      ->default_val(16)
      ->check(positive_number());
  cmd->add_option("--cells-per-stage", o->shape.cells_per_stage, "Cells per stage N (NAS-Bench-201: 5)")
      ->default_val(5)
      ->check(positive_number());
  cmd->add_option("--input-channels", o->shape.input_channels, "Image channels, or input features of a DAG MLP")
      ->default_val(3)
      ->check(positive_number());
  cmd->add_option("--classes", o->shape.num_classes, "Number of classes")->default_val(10)->check(positive_number());
  add_format_option(*cmd, o->format);
  cmd->callback([&run, o] { run = [o] { return run_scale(*o); }; });
}

}  // namespace nasrank::cli

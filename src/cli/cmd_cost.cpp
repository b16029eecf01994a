// `nasrank cost ENCODING... --dataset NAME`: parameters and FLOPs of the
// networks built from architectures, from the graph alone (no training).
#include "cli_common.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"
#include "nasrank/train/cost.h"

#include <iostream>
#include <memory>

namespace nasrank::cli {
namespace {

struct CostOptions {
  std::vector<std::string> encodings;
  std::string dataset;
  train::NetworkSpec network;
  std::string dag_network = "mlp";
  Format format = Format::Table;
};

std::string canonical_text(const cell::CellGraph& graph) {
  if (graph.space() == cell::Space::Nb201) return cell::to_arch_string(graph).value_or("");
  return "dag:" + cell::to_dag_code(graph).value_or("");
}

int run_cost(CostOptions options) {
  options.network.dag_kind = train::parse_dag_kind(options.dag_network);
  const train::NetworkSpec spec = train::network_spec_for_dataset(options.network, options.dataset);
  // params_m / flops_m count every non-zero edge, as NAS-Bench-201 does (its
  // published numbers); the *_built columns leave out the dead edges nasrank
  // does not build.
  ResultTable table({"input", "architecture", "dataset", "params_m", "flops_m", "params_built_m", "flops_built_m"});
  int exit_code = kExitOk;
  for (const std::string& input : options.encodings) {
    try {
      const cell::CellGraph graph = cell::parse_encoding(input);
      const train::NetworkCost cost = train::network_cost(graph, spec);
      table.add_row({input, canonical_text(graph), options.dataset, cost.benchmark.params_m(), cost.benchmark.flops_m(),
                     cost.built.params_m(), cost.built.flops_m()});
    } catch (const InputError& e) {
      std::cerr << "error: " << e.what() << "\n";
      exit_code = kExitBadInput;
    }
  }
  if (table.size() > 0) write_stdout(table.render(options.format));
  return exit_code;
}

}  // namespace

void add_cost_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<CostOptions>();
  auto* cost = app.add_subcommand(
      "cost", "Parameters (M) and FLOPs (M multiply-adds per image) of the networks built from architectures");
  add_encoding_argument(*cost, options->encodings);
  add_dataset_option(*cost, options->dataset, "Dataset key giving input shape and classes")->required();
  cost->add_option("--channels", options->network.channels, "C (NAS-Bench-201) or DAG width")->capture_default_str();
  cost->add_option("--cells-per-stage", options->network.cells_per_stage, "N (NAS-Bench-201)")->capture_default_str();
  cost->add_option("--dag-network", options->dag_network, "DAG codes: mlp or cnn")->capture_default_str();
  cost->add_option("--kernel", options->network.kernel_size, "DAG CNN kernel size")->capture_default_str();
  add_format_option(*cost, options->format);
  cost->callback([&run, options] { run = [options] { return run_cost(*options); }; });
}

}  // namespace nasrank::cli

// `nasrank space nb201|dag`: list a whole search space.
#include "cli_common.h"

#include "nasrank/cell/encoding.h"
#include "nasrank/cell/facts.h"
#include "nasrank/cell/space.h"

#include <iostream>
#include <memory>

namespace nasrank::cli {
namespace {

struct SpaceOptions {
  bool unique = false;
  bool ignore_zeros = false;
  std::string classes = "exact";
  bool counts_only = false;
  int vertices = 5;
  Format format = Format::Table;
};

int run_nb201(const SpaceOptions& options) {
  if (options.counts_only) {
    const cell::Nb201SpaceCounts counts = cell::count_nb201_space();
    ResultTable table({"total", "exact_classes", "unique_with_zeros", "unique_ignoring_zeros", "disconnected"});
    table.add_row({counts.total, counts.exact_classes, counts.unique_with_zeros, counts.unique_ignoring_zeros,
                   counts.disconnected});
    write_stdout(table.render(options.format));
    return kExitOk;
  }
  const auto isomorphism = !options.unique                  ? cell::Isomorphism::All
                           : options.ignore_zeros           ? cell::Isomorphism::UniqueIgnoringZeros
                           : options.classes == "benchmark" ? cell::Isomorphism::UniqueWithZeros
                                                            : cell::Isomorphism::Exact;
  const auto cells = cell::nb201_space(isomorphism);
  if (options.format == Format::Csv) {
    // The whole space as CSV is the hot path of scripts; build it directly.
    std::string out = "index,arch_string,compact_code,unique_string,disconnected\n";
    out.reserve(cells.size() * 200);
    for (const auto& c : cells) {
      out += std::to_string(c.index);
      out += ',';
      out += c.arch_string;
      out += ',';
      out += c.compact_code;
      out += ',';
      out += c.unique_string;
      out += c.disconnected ? ",true\n" : ",false\n";
    }
    write_stdout(out);
    return kExitOk;
  }
  ResultTable table({"index", "arch_string", "compact_code", "unique_string", "disconnected"});
  for (const auto& c : cells) table.add_row({c.index, c.arch_string, c.compact_code, c.unique_string, c.disconnected});
  write_stdout(table.render(options.format));
  return kExitOk;
}

int run_dag(const SpaceOptions& options) {
  ResultTable table({"dag_code", "paths", "disconnected", "unique_string"});
  cell::for_each_dag(options.vertices, [&](const cell::CellGraph& graph) {
    const auto paths = cell::enumerate_paths(graph);
    table.add_row({*cell::to_dag_code(graph), paths.size(), paths.empty(), cell::unique_string(graph, true)});
    return true;
  });
  write_stdout(table.render(options.format));
  return kExitOk;
}

}  // namespace

void add_space_command(CLI::App& app, CommandRunner& run) {
  auto* space = app.add_subcommand("space", "List every architecture of a search space");
  space->require_subcommand(1);
  auto options = std::make_shared<SpaceOptions>();

  auto* nb201 = space->add_subcommand("nb201", "The 15,625 NAS-Bench-201 cells in benchmark-index order");
  nb201->add_flag("--unique", options->unique, "Keep one cell per isomorphism class (its lowest index)");
  nb201
      ->add_option("--classes", options->classes,
                   "With --unique: 'exact' (cells that train to the same network under the benchmark's and the "
                   "principled protocol) or 'benchmark' (the benchmark's 6,466 classes, which also merge cells that "
                   "differ by a trained constant term or by the in-degrees the principled init divides by)")
      ->check(CLI::IsMember({"exact", "benchmark"}))
      ->default_val("exact");
  nb201->add_flag("--ignore-zeros", options->ignore_zeros,
                  "With --unique: classes of the benchmark's canonical string that ignores zeros (12,751)");
  nb201->add_flag("--counts", options->counts_only, "Print only the counts: total, classes, disconnected");
  add_format_option(*nb201, options->format);
  nb201->callback([&run, options] { run = [options] { return run_nb201(*options); }; });

  auto* dag = space->add_subcommand("dag", "The paper's generic DAG space: every code on N vertices");
  dag->add_option("--vertices", options->vertices, "Number of vertices N (3^(N(N-1)/2) codes)")
      ->check(CLI::Range(2, cell::kMaxEnumeratedDagVertices))
      ->default_val(5);
  add_format_option(*dag, options->format);
  dag->callback([&run, options] { run = [options] { return run_dag(*options); }; });
}

}  // namespace nasrank::cli

// `nasrank parse ENCODING...`: decode encodings and print their graph facts.
#include "cli_common.h"

#include "nasrank/cell/describe.h"
#include "nasrank/cell/encoding.h"
#include "nasrank/common/error.h"

#include <iostream>
#include <memory>

namespace nasrank::cli {
namespace {

struct ParseOptions {
  std::vector<std::string> encodings;
  bool dot = false;
  Format format = Format::Table;
};

std::string or_dash(const nlohmann::json& value) { return value.is_null() ? "-" : cell_text(value); }

std::string facts_table(const std::string& input, const nlohmann::json& d) {
  std::string out;
  auto line = [&](const std::string& key, const std::string& value) {
    out += key;
    out.append(key.size() < 22 ? 22 - key.size() : 1, ' ');
    out += value + "\n";
  };
  line("input", input);
  line("space", d["space"]);
  line("arch string", or_dash(d["arch_string"]));
  line("benchmark index", or_dash(d["benchmark_index"]));
  line("compact code", or_dash(d["compact_code"]));
  line("dag code", or_dash(d["dag_code"]));
  line("vertices", cell_text(d["vertices"]));
  line("non-zero edges", cell_text(d["nonzero_edges"]));
  std::string degrees;
  for (const auto& v : d["in_degree"]) degrees += (degrees.empty() ? "" : " ") + cell_text(v);
  line("in-degrees", degrees);
  line("disconnected", d["disconnected"].get<bool>() ? "yes (output is always zero)" : "no");
  auto edges = [&](const nlohmann::json& list) {
    std::string text;
    for (const auto& e : list)
      text += (text.empty() ? "" : ", ") + cell_text(e["from"]) + "->" + cell_text(e["to"]) + " " + cell_text(e["op"]);
    return text.empty() ? std::string("none") : text;
  };
  line("dead edges", edges(d["dead_edges"]));
  line("constant edges", d["constant_edges"].empty()
                             ? std::string("none")
                             : edges(d["constant_edges"]) + "  (dead, but add a trained constant: built)");
  line("unique string", cell_text(d["unique_string"]));
  line("exact class", cell_text(d["exact_class_key"]));
  line("unique (ignoring 0s)", cell_text(d["unique_string_ignoring_zeros"]));
  line("paths", std::to_string(d["paths"].size()) + "  (depth = parameterized edges on the path)");
  for (const auto& p : d["paths"]) {
    std::string vertices, ops;
    for (const auto& v : p["vertices"]) vertices += (vertices.empty() ? "" : "->") + cell_text(v);
    for (const auto& o : p["ops"]) ops += (ops.empty() ? "" : ",") + cell_text(o);
    out += "  " + vertices + "  depth " + cell_text(p["parameterized_edges"]) + "  [" + ops + "]\n";
  }
  return out;
}

int run_parse(const ParseOptions& options) {
  int exit_code = kExitOk;
  nlohmann::json all = nlohmann::json::array();
  ResultTable csv({"input", "space", "arch_string", "benchmark_index", "compact_code", "dag_code", "vertices",
                   "nonzero_edges", "paths", "path_depths", "disconnected", "dead_edges", "unique_string"});
  bool first = true;
  for (const std::string& input : options.encodings) {
    cell::CellGraph graph(cell::Space::Dag, 2);
    try {
      graph = cell::parse_encoding(input);
    } catch (const InputError& e) {
      // One bad input does not hide the others; its line goes to stderr only.
      std::cerr << "error: " << e.what() << "\n";
      exit_code = kExitBadInput;
      continue;
    }
    if (options.dot) {
      write_stdout(cell::to_dot(graph, input));
      continue;
    }
    const nlohmann::json d = cell::describe(graph);
    if (options.format == Format::Json) {
      nlohmann::json entry = d;
      entry["input"] = input;
      all.push_back(std::move(entry));
    } else if (options.format == Format::Csv) {
      std::string depths;
      for (const auto& p : d["paths"]) depths += (depths.empty() ? "" : " ") + cell_text(p["parameterized_edges"]);
      csv.add_row({input, d["space"], d["arch_string"], d["benchmark_index"], d["compact_code"], d["dag_code"],
                   d["vertices"], d["nonzero_edges"], d["paths"].size(), depths, d["disconnected"],
                   d["dead_edges"].size(), d["unique_string"]});
    } else {
      write_stdout((first ? "" : "\n") + facts_table(input, d));
      first = false;
    }
  }
  // Every input refused: nothing on stdout, not even an empty JSON list.
  if (!options.dot && options.format == Format::Json && !all.empty()) write_stdout(all.dump(2) + "\n");
  if (!options.dot && options.format == Format::Csv && csv.size() > 0) write_stdout(csv.render(Format::Csv));
  return exit_code;
}

}  // namespace

void add_parse_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<ParseOptions>();
  auto* parse = app.add_subcommand("parse", "Decode architecture encodings and print their graph facts");
  parse
      ->add_option("encoding", options->encodings,
                   "Arch string |op~0|+..., benchmark index 0..15624, compact code 3_34_131, DAG code (dag:2_02_002) "
                   "or graph JSON ({...}); prefixes arch: index: compact: dag: json: force a kind")
      ->required();
  parse->add_flag("--dot", options->dot, "Print Graphviz DOT text instead of the facts");
  add_format_option(*parse, options->format);
  parse->callback([&run, options] { run = [options] { return run_parse(*options); }; });
}

}  // namespace nasrank::cli

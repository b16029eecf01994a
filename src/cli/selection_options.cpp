#include "selection_options.h"

#include "cli_common.h"

namespace nasrank::cli {

void add_selection_options(CLI::App& command, SelectionFlags& f) {
  command.add_option("--space", f.space, "nb201 or dag")->check(CLI::IsMember({"nb201", "dag"}))->default_val("nb201");
  command.add_option("--vertices", f.dag_vertices, "Vertices of the DAG space")
      ->default_val(5)
      ->check(CLI::Range(2, 6));
  command.add_flag("--unique", f.unique, "One architecture per isomorphism class (trained once for the class)");
  command
      .add_option("--classes", f.classes,
                  "With --unique: 'exact' (merge only cells that train to the same network under every protocol) "
                  "or 'benchmark' (the benchmark's 6,466 classes; they also merge cells that differ by a trained "
                  "constant term, e.g. 0_33_003 and 0_30_003, or by the in-degrees the principled init divides by)")
      ->check(CLI::IsMember({"exact", "benchmark"}))
      ->default_val("exact");
  command.add_flag("--connected", f.connected,
                   "Leave out architectures with no input-to-output path (before --sample draws)");
  command.add_option("--sample", f.sample, "A seeded random sample of N architectures")->check(positive_number());
  command.add_option("--sample-seed", f.sample_seed, "Seed of the sample")
      ->default_val(0)
      ->check(whole_number(0, kMaxSeed));
  command.add_option("--arch", f.archs, "Explicit architectures (repeatable; any encoding)");
  command.add_option("--arch-file", f.arch_file, "File with one encoding per line")->check(CLI::ExistingFile);
}

rerank::ArchitectureSelection to_selection(const SelectionFlags& f) {
  rerank::ArchitectureSelection s;
  s.space = f.space;
  s.dag_vertices = f.dag_vertices;
  s.unique = f.unique;
  s.benchmark_classes = f.classes == "benchmark";
  s.connected_only = f.connected;
  if (f.sample > 0) s.sample = f.sample;
  s.sample_seed = f.sample_seed;
  s.explicit_list = f.archs;
  if (!f.arch_file.empty()) {
    const auto listed = rerank::read_architecture_list(f.arch_file);
    s.explicit_list.insert(s.explicit_list.end(), listed.begin(), listed.end());
  }
  return s;
}

}  // namespace nasrank::cli

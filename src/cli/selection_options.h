#pragma once
// The architecture selection `rerank` and `lr-search` share: one set of
// options, one conversion to rerank::ArchitectureSelection.
#include "nasrank/rerank/plan.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace nasrank::cli {

struct SelectionFlags {
  std::string space = "nb201";
  int dag_vertices = 5;
  bool unique = false;
  std::string classes = "exact";
  bool connected = false;
  std::size_t sample = 0;
  std::uint64_t sample_seed = 0;
  std::vector<std::string> archs;
  std::string arch_file;

  // No architecture named or sampled: the command's built-in default applies.
  bool chooses_nothing() const { return archs.empty() && arch_file.empty() && sample == 0 && !unique; }
};

void add_selection_options(CLI::App& command, SelectionFlags& flags);

// Reads --arch-file; InputError naming the file and line for a bad entry.
rerank::ArchitectureSelection to_selection(const SelectionFlags& flags);

}  // namespace nasrank::cli

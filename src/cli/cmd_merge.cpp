// `nasrank merge OUT IN...`: combine results stores (e.g. parallel workers' shards).
#include "cli_common.h"

#include "nasrank/store/merge.h"

#include <iostream>
#include <memory>

namespace nasrank::cli {
namespace {

struct MergeOptions {
  std::string output;
  std::vector<std::string> inputs;
  std::string on_conflict = "fail";
  bool overwrite = false;
  bool upgrade = false;
  std::size_t show = 20;
};

int run_merge(const MergeOptions& options) {
  store::MergeOptions merge;
  merge.overwrite = options.overwrite;
  merge.upgrade = options.upgrade;
  merge.policy = options.on_conflict == "keep-first"  ? store::DuplicatePolicy::KeepExisting
                 : options.on_conflict == "keep-last" ? store::DuplicatePolicy::Replace
                                                      : store::DuplicatePolicy::Fail;
  std::vector<std::filesystem::path> inputs(options.inputs.begin(), options.inputs.end());
  const store::MergeReport report = store::merge_stores(options.output, inputs, merge);
  std::size_t shown = 0;
  for (const auto& d : report.duplicates) {
    if (shown++ == options.show) {
      std::cerr << "duplicate: ... (" << report.duplicates.size() - options.show << " more)\n";
      break;
    }
    std::cerr << "duplicate: " << d.key.to_string() << " from '" << d.input.string() << "' ("
              << (d.identical                          ? "identical, skipped"
                  : options.on_conflict == "keep-last" ? "conflicting, replaced"
                                                       : "conflicting, kept first")
              << ")\n";
  }
  std::cerr << "merged " << report.runs_read << " runs from " << report.inputs << " input(s) into '" << options.output
            << "': " << report.added << " written, " << report.identical_duplicates << " identical duplicates and "
            << report.conflicting_duplicates << " conflicting duplicates not doubled; " << report.total
            << " runs in the output\n";
  return kExitOk;
}

}  // namespace

void add_merge_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<MergeOptions>();
  auto* merge = app.add_subcommand("merge", "Combine results stores; a run stored twice is never doubled");
  merge->add_option("output", options->output, "Store to write; list it among the inputs to merge into it")->required();
  merge->add_option("inputs", options->inputs, "Stores to read")->required();
  merge
      ->add_option("--on-conflict", options->on_conflict,
                   "Same run with different numbers: fail (default), keep-first or keep-last")
      ->check(CLI::IsMember({"fail", "keep-first", "keep-last"}))
      ->default_str("fail");
  merge->add_flag("--overwrite", options->overwrite, "Replace an existing output that is not an input");
  merge->add_flag("--upgrade", options->upgrade,
                  "Also read inputs written by nasrank 0.1.0 (store format 1) and write them in the current format. "
                  "HDF5 reads format 1 text unchecked: only for stores you trust");
  merge->add_option("--show", options->show, "Duplicates to list on stderr")->default_val(20);
  merge->callback([&run, options] { run = [options] { return run_merge(*options); }; });
}

}  // namespace nasrank::cli

// nasrank: the command-line front of the library. Options are parsed here and
// every capability is a library call; errors surface as `error: ...` on stderr.
#include "cli_common.h"
#include "worker_binary.h"

#include "nasrank/common/error.h"
#include "nasrank/common/version.h"

#include <unistd.h>

#include <cstring>
#include <iostream>

namespace {

using nasrank::cli::CommandRunner;

// `train` and `calibrate` need LibTorch, which this program does not load;
// they run in nasrank-torch with the same arguments.
bool forwards_to_torch(const char* command) {
  return std::strcmp(command, "train") == 0 || std::strcmp(command, "calibrate") == 0;
}

void add_train_stub(CLI::App& app, CommandRunner&) {
  app.add_subcommand("train", "Train one architecture under a protocol (runs nasrank-torch train; see its --help)");
}
void add_calibrate_stub(CLI::App& app, CommandRunner&) {
  app.add_subcommand("calibrate", "Calibrate the base learning rate (runs nasrank-torch calibrate; see its --help)");
}

// Every subcommand, in the order `nasrank --help` lists them; `name` is the
// name its add function registers.
struct Subcommand {
  const char* name;
  void (*add)(CLI::App&, CommandRunner&);
};
const Subcommand kSubcommands[] = {
    {"space", nasrank::cli::add_space_command},
    {"parse", nasrank::cli::add_parse_command},
    {"scale", nasrank::cli::add_scale_command},
    {"cost", nasrank::cli::add_cost_command},
    {"train", add_train_stub},
    {"calibrate", add_calibrate_stub},
    {"rerank", nasrank::cli::add_rerank_command},
    {"lr-search", nasrank::cli::add_lr_search_command},
    {"import", nasrank::cli::add_import_command},
    {"merge", nasrank::cli::add_merge_command},
    {"query", nasrank::cli::add_query_command},
    {"export", nasrank::cli::add_export_command},
    {"compare", nasrank::cli::add_compare_command},
    {"report", nasrank::cli::add_report_command},
};

}  // namespace

int main(int argc, char** argv) {
  using namespace nasrank::cli;
  if (argc > 1 && forwards_to_torch(argv[1])) {
    const std::string torch = worker_binary_path().string();
    argv[0] = const_cast<char*>(torch.c_str());
    execv(torch.c_str(), argv);
    std::cerr << "error: cannot run " << torch << " for `" << argv[1] << "`: " << std::strerror(errno)
              << " (build the nasrank-torch target, or set NASRANK_TORCH_BIN)\n";
    return kExitFailure;
  }

  CLI::App app{
      "nasrank: re-rank neural-architecture benchmarks with architecture-aware learning rates and initialization"};
  app.set_version_flag("--version", nasrank::build_description());
  app.require_subcommand(1);
  app.fallthrough(false);

  // Building the options of every subcommand is a large part of a short
  // command's run time (about 2 M instructions plus the heap they fill), so
  // when the first argument names a subcommand only that one is built. A
  // command line holds exactly one subcommand, so parsing and help do not
  // change; the others could only have turned a stray argument spelling their
  // name into a different error. Anything else (no argument, --help, a typo)
  // gets them all.
  CommandRunner run;
  const Subcommand* named = nullptr;
  for (const Subcommand& command : kSubcommands)
    if (argc > 1 && std::strcmp(argv[1], command.name) == 0) named = &command;
  if (named) {
    named->add(app, run);
  } else {
    for (const Subcommand& command : kSubcommands) command.add(app, run);
  }

  return parse_and_run(app, argc, argv, run);
}

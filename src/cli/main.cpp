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

// `train` and `calibrate` need LibTorch, which this program does not load;
// they run in nasrank-torch with the same arguments.
bool forwards_to_torch(const char* command) {
  return std::strcmp(command, "train") == 0 || std::strcmp(command, "calibrate") == 0;
}

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

  CLI::App app{"nasrank: re-rank neural-architecture benchmarks with architecture-aware learning rates and initialization"};
  app.set_version_flag("--version", nasrank::build_description());
  app.require_subcommand(1);
  app.fallthrough(false);

  CommandRunner run;
  add_space_command(app, run);
  add_parse_command(app, run);
  add_scale_command(app, run);
  add_cost_command(app, run);
  app.add_subcommand("train", "Train one architecture under a protocol (runs nasrank-torch train; see its --help)");
  app.add_subcommand("calibrate", "Calibrate the base learning rate (runs nasrank-torch calibrate; see its --help)");
  add_rerank_command(app, run);
  add_import_command(app, run);
  add_merge_command(app, run);
  add_query_command(app, run);
  add_export_command(app, run);
  add_compare_command(app, run);
  add_report_command(app, run);

  return parse_and_run(app, argc, argv, run);
}

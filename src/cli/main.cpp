// nasrank: the command-line front of the library. Options are parsed here and
// every capability is a library call; errors surface as `error: ...` on stderr.
#include "cli_common.h"

#include "nasrank/common/error.h"
#include "nasrank/common/version.h"

#include <iostream>

int main(int argc, char** argv) {
  using namespace nasrank::cli;
  CLI::App app{"nasrank: re-rank neural-architecture benchmarks with architecture-aware learning rates and initialization"};
  app.set_version_flag("--version", nasrank::build_description());
  app.require_subcommand(1);
  app.fallthrough(false);

  CommandRunner run;
  add_space_command(app, run);
  add_parse_command(app, run);
  add_scale_command(app, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  try {
    return run ? run() : kExitOk;
  } catch (const nasrank::InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitBadInput;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return kExitFailure;
  }
}

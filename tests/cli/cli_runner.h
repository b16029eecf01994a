#pragma once
// Runs the nasrank binary as a user would and captures what it printed.
#include <string>
#include <vector>

namespace nasrank::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Arguments are passed without a shell; `stdin_text` is fed to stdin.
CliResult run_cli(const std::vector<std::string>& args, const std::string& stdin_text = {});

}  // namespace nasrank::testing

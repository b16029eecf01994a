#pragma once
// Runs the nasrank binary as a user would and captures what it printed.
#include <sys/types.h>

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

// Resource limits of the child process (0 = inherited).
struct ChildLimits {
  unsigned long long address_space_bytes = 0;  // RLIMIT_AS, like `ulimit -v`
  // RLIMIT_FSIZE with SIGXFSZ ignored: a write past it fails with EFBIG, as
  // on a full disk, with no root needed.
  unsigned long long file_size_bytes = 0;
};
CliResult run_cli_limited(const std::vector<std::string>& args, const ChildLimits& limits);

// A nasrank process left running, for a test that watches its stderr and
// kills it: stdin and stdout are /dev/null. The caller reaps `pid` and closes
// `stderr_fd`. Throws std::runtime_error when the pipe or fork fails.
struct RunningCli {
  pid_t pid = -1;
  int stderr_fd = -1;  // the read end of the child's stderr
};
RunningCli start_cli(const std::vector<std::string>& args);

}  // namespace nasrank::testing

#pragma once
// Starting nasrank-torch as a child process, shared by the worker pool and the
// demo's calibration: fork/exec with an argument vector (no shell, so nothing
// to quote), tied to our lifetime.
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace nasrank::rerank {

// What the child's standard streams become; -1 keeps ours.
struct ChildStreams {
  int in = -1;
  int out = -1;
  int err = -1;
};

// Starts `program args...`. The child is killed with SIGKILL if we die (a
// killed nasrank must not leave trainings running into a pipe nobody reads)
// and gets SIGPIPE's default action back. Descriptors the child is not
// meant to see must be close-on-exec. When fork fails: IoError with
// `failure_prefix` followed by the system's reason. A program that cannot be
// executed exits with 127. `environment` ("NAME=value" entries) replaces
// ours when given.
pid_t start_child(const std::filesystem::path& program, const std::vector<std::string>& args,
                  const ChildStreams& streams, const std::string& failure_prefix,
                  const std::vector<std::string>* environment = nullptr);

// Waits for the child (retrying on EINTR) and returns its wait status.
int wait_child(pid_t pid);

// "exited with code 3", "killed by signal 9 (out of memory?)".
std::string describe_exit(int status);

// The exit code a shell would report: the child's code, or 128 + the signal.
int exit_code_of(int status);

}  // namespace nasrank::rerank

#include "child_process.h"

#include "nasrank/common/error.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace nasrank::rerank {

pid_t start_child(const std::filesystem::path& program, const std::vector<std::string>& args,
                  const ChildStreams& streams, const std::string& failure_prefix,
                  const std::vector<std::string>* environment) {
  // Everything the child needs is built before fork: it may only call
  // async-signal-safe functions.
  const std::string path = program.string();
  std::vector<std::string> copies = args;
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(path.c_str()));
  for (std::string& a : copies) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> environment_copies = environment ? *environment : std::vector<std::string>{};
  std::vector<char*> envp;
  for (std::string& entry : environment_copies) envp.push_back(entry.data());
  envp.push_back(nullptr);
  const pid_t parent = getpid();
  // Buffered output would otherwise be written twice, once by the child.
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) throw IoError(failure_prefix + std::strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl
    signal(SIGPIPE, SIG_DFL);             // the pool ignores it, and that is inherited
    if (streams.in >= 0) dup2(streams.in, STDIN_FILENO);
    if (streams.out >= 0) dup2(streams.out, STDOUT_FILENO);
    if (streams.err >= 0) dup2(streams.err, STDERR_FILENO);
    if (environment)
      execve(path.c_str(), argv.data(), envp.data());
    else
      execv(path.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

int wait_child(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return "killed by signal " + std::to_string(sig) + (sig == SIGKILL ? " (out of memory?)" : "");
  }
  return "ended (status " + std::to_string(status) + ")";
}

int exit_code_of(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace nasrank::rerank
